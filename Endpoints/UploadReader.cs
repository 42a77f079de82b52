using System.Buffers;
using System.Security.Cryptography;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FileOptimizer.Endpoints;

/// <summary>A file streamed to its job folder as "original", with what the client said of it.</summary>
public sealed record StagedUpload(string JobId, string FileName, string? DeclaredType, long Size, string Sha256);

/// <summary>What a multipart upload held: staged files, files refused while streaming, and the text fields.</summary>
public sealed class UploadForm
{
    public List<StagedUpload> Files { get; } = [];

    /// <summary>Files over the size limit in a batch: skipped, the others go on.</summary>
    public List<string> Oversized { get; } = [];

    public Dictionary<string, string> Fields { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int FileCount => Files.Count + Oversized.Count;
}

/// <summary>
/// Reads multipart/form-data section by section, streaming each file straight to disk while hashing it:
/// memory stays at one buffer whatever the size. Nothing is left on disk when reading fails.
/// </summary>
public static class UploadReader
{
    /// <summary>Room for multipart boundaries, part headers and the settings text on top of the files' own bytes.</summary>
    public const long FramingAllowance = 1024 * 1024;

    /// <summary>Longest accepted text field (settings JSON and flags).</summary>
    private const int MaxFieldLength = SettingsParser.MaxJsonLength;

    /// <summary>
    /// The multipart reader's own buffer, which bounds each read of a section: at its default (4 KB) a 1.5 MB photo took
    /// some 400 reads and as many file writes.
    /// </summary>
    private const int ReadBufferSize = 64 * 1024;

    /// <summary>Bytes gathered before each write to the file.</summary>
    private const int BufferSize = 256 * 1024;

    public enum Failure
    {
        None,
        NotMultipart,
        FileTooLarge,
        TooManyFiles,
        FieldTooLong,
    }

    public static bool IsMultipart(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
        && HeaderUtilities.RemoveQuotes(type.Boundary).Length > 0;

    /// <param name="skipOversized">True for batches: an oversized file is dropped and reading goes on; false: reading stops at once.</param>
    public static async Task<(UploadForm Form, Failure Failure)> ReadAsync(
        HttpRequest request, JobStore store, long maxFileSize, int maxFiles, bool skipOversized, CancellationToken cancellationToken)
    {
        var form = new UploadForm();
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || HeaderUtilities.RemoveQuotes(type.Boundary) is not { Length: > 0 and <= 200 } boundary)
        {
            return (form, Failure.NotMultipart);
        }

        var reader = new MultipartReader(boundary.Value!, request.Body, ReadBufferSize) { BodyLengthLimit = null };
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (disposition.IsFileDisposition())
                {
                    if (form.FileCount >= maxFiles)
                    {
                        Discard(store, form);
                        return (form, Failure.TooManyFiles);
                    }

                    var name = FileNames.Clean(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value);
                    var staged = await StageAsync(section, store, name, maxFileSize, cancellationToken);
                    if (staged is not null)
                    {
                        form.Files.Add(staged);
                    }
                    else if (skipOversized)
                    {
                        form.Oversized.Add(name);
                        await section.Body.CopyToAsync(Stream.Null, cancellationToken);
                    }
                    else
                    {
                        Discard(store, form);
                        return (form, Failure.FileTooLarge);
                    }
                }
                else
                {
                    var key = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                    var value = await ReadFieldAsync(section.Body, cancellationToken);
                    if (value is null)
                    {
                        Discard(store, form);
                        return (form, Failure.FieldTooLong);
                    }

                    form.Fields[key] = value;
                }
            }
        }
        catch
        {
            Discard(store, form); // client gone or body malformed: leave nothing behind
            throw;
        }

        return (form, Failure.None);
    }

    /// <summary>Deletes the folders of every staged file.</summary>
    public static void Discard(JobStore store, UploadForm form)
    {
        foreach (var file in form.Files)
        {
            JobStore.DeleteDirectory(store.DirectoryOf(file.JobId));
        }

        form.Files.Clear();
    }

    private static async Task<StagedUpload?> StageAsync(MultipartSection section, JobStore store, string name, long maxFileSize, CancellationToken cancellationToken)
    {
        var id = JobStore.NewId();
        var directory = store.DirectoryOf(id);
        Directory.CreateDirectory(directory);
        var partial = Path.Combine(directory, JobStore.OriginalFile + ".tmp");
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var complete = false;
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            // Written synchronously, a full buffer at a time: the page cache takes it at once, where an asynchronous write
            // on Linux is one more trip through the thread pool for every chunk.
            using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.SequentialScan))
            {
                int filled;
                while ((filled = await FillAsync(section.Body, buffer, cancellationToken)) > 0)
                {
                    size += filled;
                    if (size > maxFileSize)
                    {
                        return null;
                    }

                    hash.AppendData(buffer, 0, filled);
                    file.Write(buffer, 0, filled);
                }
            }

            File.Move(partial, store.OriginalPath(id));
            complete = true;
            return new StagedUpload(id, name, section.ContentType, size, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!complete)
            {
                JobStore.DeleteDirectory(directory);
            }
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the section ends: the bytes read, 0 at the end.</summary>
    private static async Task<int> FillAsync(Stream body, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
        {
            filled += read;
        }

        return filled;
    }

    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
        var buffer = new char[MaxFieldLength + 1];
        var length = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        return length > MaxFieldLength ? null : new string(buffer, 0, length);
    }
}
