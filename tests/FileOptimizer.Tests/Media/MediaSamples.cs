using System.Diagnostics;
using System.Text;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Media;

/// <summary>
/// Short clips made with ffmpeg's own sources (testsrc2 with noise, so they are not trivially compressible; a sine with
/// pink noise), and the hostile files derived from them. Each is made on first use, so a test that skips because ffmpeg
/// is missing makes nothing; all are removed with the fixture.
/// </summary>
public sealed class MediaSamples : IDisposable
{
    public string Directory { get; } = TestFiles.NewTempDirectory("media");
    private readonly Dictionary<string, Lazy<string>> _made = [];
    private readonly Lock _gate = new();

    /// <summary>ffmpeg's path, or a skip (locally) / failure (CI=true).</summary>
    public static string RequireFfmpeg()
    {
        ExternalTool.Require("ffprobe", "ffmpeg");
        return ExternalTool.Require("ffmpeg", "ffmpeg");
    }

    /// <summary>2 s of 640 × 360 at 30 fps, H.264 at a high quality (as a phone would store it) with 256 kbit/s AAC; the index at the end.</summary>
    public string Mp4 => Make("clip.mp4", path => Ffmpeg(Video("640x360", 30, 2), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "14", "-c:a", "aac", "-b:a", "256k", path));

    /// <summary>4 s of 640 × 360: long enough to stop while ffmpeg works on it.</summary>
    public string FourSeconds => Make("long.mp4", path => Ffmpeg(Video("640x360", 30, 4), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "14", "-c:a", "aac", "-b:a", "256k", path));

    /// <summary>The 2 s clip stored sideways: 640 × 360 with a 90° display rotation, as a phone held upright writes it.</summary>
    public string Rotated => Make("rotated.mp4", path => Ffmpeg(["-i", Mp4], "-c", "copy", "-metadata:s:v:0", "rotate=90", path));

    /// <summary>320 × 240 of a still colour, H.264 at a low quality: nothing left to save by re-encoding.</summary>
    public string Efficient => Make("efficient.mp4", path => Ffmpeg(
        ["-f", "lavfi", "-i", "color=c=0x3366aa:s=320x240:r=15:d=2"], "-c:v", "libx264", "-preset", "veryslow", "-crf", "45", "-an", path));

    /// <summary>The 2 s clip in Matroska: comes back as MP4.</summary>
    public string Mkv => Make("clip.mkv", path => Ffmpeg(["-i", Mp4], "-c", "copy", path));

    /// <summary>3 s of a tone with pink noise, stereo MP3 at 320 kbit/s.</summary>
    public string Mp3 => Make("song.mp3", path => Ffmpeg(Sound(3), "-c:a", "libmp3lame", "-b:a", "320k", path));

    /// <summary>3 s of the same sound as 16-bit PCM WAV.</summary>
    public string Wav => Make("song.wav", path => Ffmpeg(Sound(3), "-c:a", "pcm_s16le", path));

    /// <summary>An HLS playlist naming a local file and a metadata URL: ffmpeg would read both.</summary>
    public string Playlist => Make("playlist.m3u8", path => Text(path,
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXTINF:10,\nhttp://169.254.169.254/latest/meta-data/\n#EXT-X-ENDLIST\n"));

    /// <summary>The same playlist named like a video.</summary>
    public string PlaylistNamedMp4 => Make("playlist.mp4", path => Copy(Playlist, path));

    /// <summary>An ffconcat list naming /etc/passwd.</summary>
    public string ConcatList => Make("concat.txt", path => Text(path, "ffconcat version 1.0\nfile '/etc/passwd'\nfile 'http://127.0.0.1:1/'\n"));

    /// <summary>The first third of the MP4: its index (at the end) is missing.</summary>
    public string Truncated => Make("truncated.mp4", path => Cut(Mp4, path, 3));

    /// <summary>The MP4 named song.mp3.</summary>
    public string LyingExtension => Make("lying.mp3", path => Copy(Mp4, path));

    /// <summary>One MJPEG frame of 9000 × 9000 in AVI: 81 megapixels a frame, over the 35 megapixel limit.</summary>
    public string HugeFrame => Make("huge.avi", path => Ffmpeg(["-f", "lavfi", "-i", "color=black:s=9000x9000:r=25:d=0.04"], "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "31", path));

    /// <summary>A WAV whose data chunk is empty: its stream lasts no time.</summary>
    public string ZeroDuration => Make("zero.wav", path => Ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo"], "-t", "0", path));

    /// <summary>An MPEG-4 Part 2 AVI whose index chunk (idx1) is overwritten with random bytes.</summary>
    public string BogusIndex => Make("bogus-index.avi", path =>
    {
        var clean = Path.Combine(Directory, "clean.avi");
        Ffmpeg(Video("320x240", 25, 2), "-c:v", "mpeg4", "-q:v", "5", "-c:a", "mp3", clean);
        var bytes = File.ReadAllBytes(clean);
        var index = Encoding.ASCII.GetString(bytes).LastIndexOf("idx1", StringComparison.Ordinal);
        Assert.True(index > 0, "ffmpeg wrote no idx1 chunk");
        new Random(7).NextBytes(bytes.AsSpan(index + 8));
        File.WriteAllBytes(path, bytes);
    });

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow machine: the temp folder is cleaned by the system.
        }
    }

    /// <summary>Reads a file's streams with ffprobe: "codec_type=codec_name" per stream, plus width and height for video.</summary>
    public static string[] Streams(string path)
    {
        // ffprobe writes the fields in its own order: codec_name, codec_type, width, height.
        var output = Run("ffprobe", "-v", "error", "-show_entries", "stream=codec_name,codec_type,width,height", "-of", "csv=p=0", path);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(',') is [var codec, var type, .. var size] ? string.Join(',', [type, codec, .. size]) : line)
            .ToArray();
    }

    /// <summary>Whether ffmpeg decodes the whole file without a single error.</summary>
    public static string DecodeErrors(string path)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-v", "error", "-i", path, "-f", "null", "-" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? errors.Trim() : $"exit {process.ExitCode}: {errors}";
    }

    public static double Duration(string path) =>
        double.Parse(Run("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static string[] Video(string size, int rate, int seconds) =>
    [
        "-f", "lavfi", "-i", $"testsrc2=size={size}:rate={rate},noise=alls=25:allf=t",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-ac", "2",
    ];

    private static string[] Sound(int seconds) =>
    [
        "-f", "lavfi", "-i", "sine=frequency=523:sample_rate=44100",
        "-f", "lavfi", "-i", "anoisesrc=a=0.08:c=pink:r=44100",
        "-filter_complex", "[0][1]amix=inputs=2,aformat=channel_layouts=stereo",
        "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];

    private static void Ffmpeg(string[] input, params string[] output) =>
        Run("ffmpeg", ["-v", "error", "-y", .. input, .. output]);

    private static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {error.Result}");
        return output;
    }

    private static void Text(string path, string text) => File.WriteAllText(path, text);

    private static void Copy(string source, string path) => File.Copy(source, path);

    private static void Cut(string source, string path, int parts)
    {
        var bytes = File.ReadAllBytes(source);
        File.WriteAllBytes(path, bytes[..(bytes.Length / parts)]);
    }

    private string Make(string name, Action<string> make)
    {
        RequireFfmpeg();
        Lazy<string> made;
        lock (_gate)
        {
            if (!_made.TryGetValue(name, out made!))
            {
                made = new Lazy<string>(() =>
                {
                    var path = Path.Combine(Directory, name);
                    make(path);
                    return path;
                });
                _made[name] = made;
            }
        }

        return made.Value;
    }
}
