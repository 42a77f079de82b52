using System.ComponentModel.DataAnnotations;

namespace FileOptimizer.Processing.Imaging.Svg;

/// <summary>How SVG is optimized: where node and the svgo runner are, and the bounds of one svgo run. Section "Svg".</summary>
public sealed class SvgOptions
{
    public const string Section = "Svg";

    /// <summary>The node program: a name looked up on PATH, or a path. Default "node".</summary>
    [Required]
    public string Node { get; set; } = "node";

    /// <summary>The svgo runner script, relative to the content root or absolute; its node_modules sit beside it (npm ci). Default tools/svgo/svgo-run.mjs.</summary>
    [Required]
    public string Svgo { get; set; } = "tools/svgo/svgo-run.mjs";

    /// <summary>Seconds one svgo run may take before it is killed and the sanitised SVG is used instead. Default 60.</summary>
    [Range(1, 3600)]
    public int SvgoTimeoutSeconds { get; set; } = 60;

    /// <summary>JavaScript heap of one svgo run, in MB (node --max-old-space-size). Default 512: a 16 MB drawing needs about 300.</summary>
    [Range(64, 16384)]
    public int SvgoMemoryMegabytes { get; set; } = 512;
}
