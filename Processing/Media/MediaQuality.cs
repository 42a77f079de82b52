namespace FileOptimizer.Processing.Media;

/// <summary>
/// How the API's quality (1-100, the same scale as images) becomes encoder settings. Video: a constant rate factor,
/// linear in quality, chosen so the default (<see cref="Default"/>, 70) lands on each encoder's own recommended
/// value (x264 23, x265 28, SVT-AV1 35, VP9 33) and 100 on a near-transparent one (x264 11). Audio: a bitrate for
/// two channels, scaled by the channel count (mono half, 5.1 three times), where 70 gives AAC 160, Opus 128 and
/// MP3 192 kbit/s: transparent to most listeners on most music.
/// </summary>
public static class MediaQuality
{
    public const int Default = 70;

    /// <summary>(CRF at quality 0, CRF fall per quality point) per video codec.</summary>
    private static readonly Dictionary<string, (double Worst, double Step)> Video = new()
    {
        ["h264"] = (51, 0.4),
        ["hevc"] = (51, 0.33),
        ["av1"] = (63, 0.4),
        ["vp9"] = (63, 0.43),
    };

    /// <summary>(kbit/s at quality 0 for two channels, kbit/s per quality point, the most) per audio codec.</summary>
    private static readonly Dictionary<string, (double Base, double Step, int Max)> Audio = new()
    {
        ["aac"] = (62, 1.4, 320),
        ["opus"] = (48, 1.15, 256),
        ["mp3"] = (94, 1.4, 320),
    };

    public static int Crf(string codec, int quality)
    {
        var (worst, step) = Video.GetValueOrDefault(codec, Video["h264"]);
        return (int)Math.Clamp(Math.Round(worst - (step * quality)), 0, worst);
    }

    public static int AudioKbps(string codec, int quality, int channels)
    {
        var (start, step, max) = Audio.GetValueOrDefault(codec, Audio["aac"]);
        var stereo = start + (step * quality);
        var scaled = stereo * Math.Clamp(channels, 1, 8) / 2.0;
        return (int)Math.Clamp(Math.Round(scaled / 8) * 8, 32, codec == "mp3" ? max : max * Math.Max(1, channels / 2));
    }

    /// <summary>The documented table: quality → CRF per codec and kbit/s per audio codec (stereo).</summary>
    public static IReadOnlyDictionary<string, int> Table(int quality) =>
        Video.Keys.ToDictionary(codec => $"{codec}Crf", codec => Crf(codec, quality))
            .Concat(Audio.Keys.ToDictionary(codec => $"{codec}Kbps", codec => AudioKbps(codec, quality, 2)))
            .ToDictionary();
}
