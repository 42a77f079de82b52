using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Browser;

/// <summary>
/// Short clips made by ffmpeg from its own sources when a test runs (nothing binary is committed): noise keeps them from
/// being trivially compressible, and a near-lossless first encode leaves the service room to make them smaller. Without
/// ffmpeg and ffprobe (which the service needs too) the test is skipped locally and fails under CI=true.
/// </summary>
public static class MediaClips
{
    /// <summary>2 s of 320 × 240 at 25 fps, H.264 (CRF 14) and AAC 256 kbit/s in MP4.</summary>
    public static Task<string> Mp4Async(string folder, string name = "clip.mp4") => MakeAsync(Path.Combine(folder, name),
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25,noise=alls=20:allf=t", "-f", "lavfi", "-i", "sine=f=440:r=48000",
        "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "14", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "256k");

    /// <summary>2 s of a 440 Hz tone in MP3 at 320 kbit/s.</summary>
    public static Task<string> Mp3Async(string folder, string name = "song.mp3") => MakeAsync(Path.Combine(folder, name),
        "-f", "lavfi", "-i", "sine=f=440:r=48000", "-t", "2", "-c:a", "libmp3lame", "-b:a", "320k");

    private static async Task<string> MakeAsync(string output, params string[] arguments)
    {
        var ffmpeg = ExternalTool.Require("ffmpeg", "ffmpeg");
        ExternalTool.Require("ffprobe", "ffmpeg");
        await ExternalTool.RunAsync(ffmpeg, ["-hide_banner", "-loglevel", "error", "-y", .. arguments, output]);
        Assert.True(File.Exists(output) && new FileInfo(output).Length > 0, $"ffmpeg did not make {output}.");
        return output;
    }
}
