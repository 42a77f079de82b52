using System.Text.Json;

namespace FileOptimizer.Processing.Imaging;

/// <summary>Reads settings from client JSON, naming every wrong field the way a ValidationProblem wants.</summary>
public static class SettingsParser
{
    /// <summary>Largest accepted settings text; real settings are a few hundred bytes.</summary>
    public const int MaxJsonLength = 16 * 1024;

    /// <summary>Largest dimension a client may ask for: libvips's own coordinate limit is far higher, no encoder we offer goes past 65535.</summary>
    public const int MaxDimension = 65535;

    private static readonly string[] Known = ["quality", "target", "maxWidth", "maxHeight", "format", "formats", "lossless", "stripMetadata", "progressive", "effort", "videoCodec", "maxFps", "audioBitrate", "removeAudio"];

    private static readonly string[] VideoCodecNames = ["h264", "hevc", "av1", "vp9"];

    public static bool TryParse(string? json, out OptimizationSettings settings, out Dictionary<string, string[]> errors)
    {
        settings = OptimizationSettings.Default;
        errors = [];
        if (string.IsNullOrWhiteSpace(json))
        {
            return true;
        }

        if (json.Length > MaxJsonLength)
        {
            errors["settings"] = [$"Settings must be at most {MaxJsonLength / 1024} KB of JSON."];
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            return TryParse(document.RootElement, out settings, out errors);
        }
        catch (JsonException)
        {
            errors["settings"] = ["Settings must be a JSON object, for example {\"quality\":85,\"format\":\"webp\"}."];
            return false;
        }
    }

    public static bool TryParse(JsonElement root, out OptimizationSettings settings, out Dictionary<string, string[]> errors)
    {
        settings = OptimizationSettings.Default;
        errors = [];
        if (root.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return true;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            errors["settings"] = ["Settings must be a JSON object, for example {\"quality\":85,\"format\":\"webp\"}."];
            return false;
        }

        var result = OptimizationSettings.Default;
        var problems = new Dictionary<string, string[]>();
        foreach (var property in root.EnumerateObject())
        {
            var name = Array.Find(Known, k => string.Equals(k, property.Name, StringComparison.OrdinalIgnoreCase));
            var value = property.Value;
            if (name is null)
            {
                problems[Truncate(property.Name)] = [$"Unknown setting. Known settings are {string.Join(", ", Known)}."];
                continue;
            }

            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            string? error = null;
            switch (name)
            {
                case "quality" when value.ValueKind == JsonValueKind.String:
                    error = string.Equals(value.GetString(), "auto", StringComparison.OrdinalIgnoreCase) ? null : "Must be \"auto\" or a whole number from 1 to 100.";
                    break;
                case "quality":
                    error = ReadInt(value, 1, 100, out var quality) is null ? null : "Must be \"auto\" or a whole number from 1 to 100.";
                    result = result with { Quality = quality };
                    break;
                case "target":
                    error = ReadTarget(value, out var target);
                    result = result with { Target = target };
                    break;
                case "formats":
                    error = ReadFormats(value, out var formats);
                    result = result with { Formats = formats };
                    break;
                case "maxWidth":
                    error = ReadInt(value, 1, MaxDimension, out var width);
                    result = result with { MaxWidth = width };
                    break;
                case "maxHeight":
                    error = ReadInt(value, 1, MaxDimension, out var height);
                    result = result with { MaxHeight = height };
                    break;
                case "effort":
                    error = ReadInt(value, 0, 10, out var effort);
                    result = result with { Effort = effort };
                    break;
                case "format":
                    if (value.ValueKind == JsonValueKind.String && string.Equals(value.GetString()?.Trim(), "auto", StringComparison.OrdinalIgnoreCase))
                    {
                        result = result with { Format = "auto" };
                    }
                    else if (value.ValueKind == JsonValueKind.String && MediaFormats.TryParseOutput(value.GetString(), out var format))
                    {
                        result = result with { Format = format?.Name() ?? "original" };
                    }
                    else
                    {
                        error = "Must be one of original, auto, jpeg, png, webp, avif, gif, svg, svgz (svg and svgz for SVG uploads only), mp4, webm (video), m4a, opus, mp3, flac (audio).";
                    }

                    break;
                case "videoCodec":
                    var codec = value.ValueKind == JsonValueKind.String ? value.GetString()?.Trim().ToLowerInvariant() switch
                    {
                        "h265" or "x265" => "hevc",
                        "avc" or "x264" => "h264",
                        var named => named,
                    } : null;
                    error = codec is not null && VideoCodecNames.Contains(codec) ? null : "Must be one of h264, hevc, av1 (mp4) or vp9, av1 (webm).";
                    result = result with { VideoCodec = error is null ? codec : null };
                    break;
                case "maxFps":
                    error = ReadInt(value, 1, 240, out var fps);
                    result = result with { MaxFps = fps };
                    break;
                case "audioBitrate":
                    error = ReadInt(value, 16, 512, out var bitrate);
                    result = result with { AudioBitrate = bitrate };
                    break;
                case "removeAudio":
                    error = ReadBool(value, out var removeAudio);
                    result = result with { RemoveAudio = removeAudio };
                    break;
                case "lossless":
                    error = ReadBool(value, out var lossless);
                    result = result with { Lossless = lossless };
                    break;
                case "stripMetadata":
                    error = ReadBool(value, out var strip);
                    result = result with { StripMetadata = strip };
                    break;
                case "progressive":
                    error = ReadBool(value, out var progressive);
                    result = result with { Progressive = progressive };
                    break;
            }

            if (error is not null)
            {
                problems[name] = [error];
            }
        }

        if (result.Lossless && !problems.ContainsKey("format") && MediaFormats.TryParseOutput(result.Format, out var output)
            && output is { } explicitOutput && !explicitOutput.SupportsLossless())
        {
            problems["lossless"] = [$"Lossless applies to png, webp, avif and flac, not {explicitOutput.Name()}."];
        }

        if (result.VideoCodec is { } chosenCodec && !problems.ContainsKey("format") && MediaFormats.TryParseOutput(result.Format, out var container)
            && container is { } videoContainer && OptimizationSettings.VideoCodecs.TryGetValue(videoContainer, out var codecs) && !codecs.Contains(chosenCodec))
        {
            problems["videoCodec"] = [$"{videoContainer.Name()} takes {string.Join(" or ", codecs)}, not {chosenCodec}."];
        }

        if (problems.Count > 0)
        {
            errors = problems;
            return false;
        }

        settings = result;
        return true;
    }

    private static string? ReadInt(JsonElement value, int min, int max, out int? result)
    {
        result = null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max)
        {
            result = number;
            return null;
        }

        return $"Must be a whole number from {min} to {max}.";
    }

    private static string? ReadTarget(JsonElement value, out double result)
    {
        result = QualityTargets.High;
        if (value.ValueKind == JsonValueKind.String && QualityTargets.Names.TryGetValue(value.GetString() ?? "", out var named))
        {
            result = named;
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var score) && score is >= QualityTargets.Min and <= QualityTargets.Max)
        {
            result = Math.Round(score, 1);
            return null;
        }

        return $"Must be a SSIMULACRA2 score from {QualityTargets.Min} to {QualityTargets.Max}, or one of {string.Join(", ", QualityTargets.Names.Keys)}.";
    }

    private static string? ReadFormats(JsonElement value, out IReadOnlyList<MediaFormat>? result)
    {
        result = null;
        const string Expected = "Must be a list of output formats from jpeg, png, webp, avif, gif, for example [\"webp\",\"avif\"].";
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > 8)
        {
            return Expected;
        }

        var formats = new List<MediaFormat>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !MediaFormats.TryParseOutput(item.GetString(), out var format) || format is not { } output
                || output.Kind() != MediaKind.Image || output.IsVector())
            {
                return Expected;
            }

            if (!formats.Contains(output))
            {
                formats.Add(output);
            }
        }

        result = formats;
        return null;
    }

    private static string? ReadBool(JsonElement value, out bool result)
    {
        result = value.ValueKind == JsonValueKind.True;
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "Must be true or false.";
    }

    // A hostile client can send a megabyte-long property name; the error key echoes at most this much of it.
    private static string Truncate(string name) => name.Length <= 64 ? name : name[..64] + "…";
}
