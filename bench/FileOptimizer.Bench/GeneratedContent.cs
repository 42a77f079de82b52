using System.Net;

namespace FileOptimizer.Bench;

/// <summary>
/// A request body of <paramref name="size"/> bytes made while it is sent, from one reused 1 MB block: the bench never
/// holds more than that, whatever the length. The bytes are no image format, so the service stores them and answers 415.
/// </summary>
public sealed class GeneratedContent(long size) : HttpContent
{
    private const int BlockSize = 1024 * 1024;

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var block = Block();
        for (var left = size; left > 0; left -= block.Length)
        {
            await stream.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, left)), cancellationToken);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = size;
        return true;
    }

    private static byte[] Block()
    {
        var block = new byte[BlockSize];
        // Varied bytes, so nothing on the way (file system, proxy) can shrink them; a fixed seed keeps every run alike.
        new Random(20261202).NextBytes(block);
        "FileOptimizer bench body, not an image\n"u8.CopyTo(block);
        return block;
    }
}
