using System.Globalization;
using System.Text;

namespace FileOptimizer.Endpoints;

/// <summary>
/// Cleans a client's file name for display and for Content-Disposition. The result is never used to build a path:
/// files on disk have names the service makes.
/// </summary>
public static class FileNames
{
    /// <summary>Longest kept name in characters; file systems and browsers take 255 bytes at most.</summary>
    public const int MaxLength = 120;

    public const string Fallback = "image";

    private static readonly HashSet<string> ReservedDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CLOCK$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    public static string Clean(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return Fallback;
        }

        // Decomposed and composed forms of the same name must look the same.
        var text = name.Length > 4 * MaxLength ? name[..(4 * MaxLength)] : name;
        text = text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);

        // Only the last segment: "../../etc/passwd" and "C:\x\y.jpg" keep their file part.
        var slash = text.LastIndexOfAny(['/', '\\']);
        if (slash >= 0)
        {
            text = text[(slash + 1)..];
        }

        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                continue; // control, bidi overrides, zero-width characters
            }

            builder.Append(rune.Value is '<' or '>' or ':' or '"' or '|' or '?' or '*' || Rune.IsWhiteSpace(rune) && rune.Value != ' ' ? "_" : rune.ToString());
        }

        text = builder.ToString();
        while (text.Contains("..", StringComparison.Ordinal))
        {
            text = text.Replace("..", ".", StringComparison.Ordinal);
        }

        text = text.Trim(' ', '.');
        if (text.Length == 0)
        {
            return Fallback;
        }

        var dot = text.LastIndexOf('.');
        var stem = dot > 0 ? text[..dot] : text;
        var extension = dot > 0 ? text[dot..] : "";
        if (ReservedDeviceNames.Contains(stem.Split('.')[0].TrimEnd()))
        {
            stem = "_" + stem;
        }

        if (extension.Length > 16)
        {
            extension = "";
        }

        if (stem.Length + extension.Length > MaxLength)
        {
            stem = TruncateByTextElements(stem, MaxLength - extension.Length);
        }

        return stem + extension;
    }

    /// <summary>The download name: the cleaned name with the extension of the format it now has.</summary>
    public static string WithExtension(string cleanName, string extension)
    {
        var dot = cleanName.LastIndexOf('.');
        var stem = dot > 0 ? cleanName[..dot] : cleanName;
        return stem + extension;
    }

    // Cuts between user-perceived characters, never inside an emoji or a combining sequence.
    private static string TruncateByTextElements(string text, int maxLength)
    {
        var enumerator = StringInfo.GetTextElementEnumerator(text);
        var length = 0;
        while (enumerator.MoveNext())
        {
            var element = enumerator.GetTextElement();
            if (length + element.Length > maxLength)
            {
                break;
            }

            length += element.Length;
        }

        return text[..length].TrimEnd(' ', '.');
    }
}
