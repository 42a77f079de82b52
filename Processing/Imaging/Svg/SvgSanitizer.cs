using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace FileOptimizer.Processing.Imaging.Svg;

/// <summary>
/// Reads an SVG (or SVGZ) with System.Xml, hardened, and writes it back keeping only what draws: no scripts, event
/// handlers, <c>javascript:</c> links, references outside the file (href not starting with #, <c>@import</c>, url() to
/// another file, xml:base, XInclude), <c>foreignObject</c>, DOCTYPE or entity declarations, comments or processing
/// instructions, and no editor data (elements and attributes of other namespaces, <c>metadata</c>). Embedded raster
/// pictures (data:image/png, jpeg, gif, webp, avif) stay: they draw and run nothing.
/// The reader resolves nothing, expands no entity (an entity reference refuses the file) and stops at a size and a depth,
/// so a hostile file costs a bounded parse. Every file the service writes as SVG passes through here, before svgo and
/// again after it.
/// </summary>
public static partial class SvgSanitizer
{
    public const string SvgNamespace = "http://www.w3.org/2000/svg";
    public const string XLinkNamespace = "http://www.w3.org/1999/xlink";
    private const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";

    /// <summary>Elements removed with everything inside them, whatever their namespace: they run code or embed another document.</summary>
    private static readonly HashSet<string> ActiveElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "handler", "listener", "foreignObject", "iframe", "embed", "object",
    };

    /// <summary>Animations; one that animates a link or a handler can turn a harmless attribute into <c>javascript:</c>.</summary>
    private static readonly HashSet<string> Animations = new(StringComparer.Ordinal)
    {
        "set", "animate", "animateColor", "animateMotion", "animateTransform", "discard",
    };

    /// <summary>Elements whose whitespace is text to draw or read; elsewhere whitespace between elements is dropped.</summary>
    private static readonly HashSet<string> TextElements = new(StringComparer.Ordinal)
    {
        "text", "tspan", "textPath", "title", "desc", "style",
    };

    /// <summary>Elements that may show an embedded raster picture (data:image/...).</summary>
    private static readonly HashSet<string> PictureElements = new(StringComparer.Ordinal) { "image", "feImage" };

    /// <summary>
    /// Rewrites the SVG in <paramref name="input"/> (plain or gzip) into <paramref name="output"/> as UTF-8.
    /// </summary>
    /// <returns>What was removed, named for a person; empty when the file carried none of it.</returns>
    /// <exception cref="SvgRefusedException">The file is not well-formed XML, not an SVG, declares entities, or is over a limit.</exception>
    public static SvgFindings Sanitize(Stream input, Stream output, SvgReadLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var findings = new SvgFindings();
        using var text = new DoctypeSpotter(Decompressed(input), findings);
        using var reader = XmlReader.Create(text, ReaderSettings(limits));
        using var writer = XmlWriter.Create(output, WriterSettings);
        try
        {
            Copy(reader, writer, limits, findings);
        }
        catch (XmlException exception) when (exception.Message.Contains("entity", StringComparison.OrdinalIgnoreCase))
        {
            throw new SvgRefusedException(
                "svg-entities",
                "The SVG uses XML entities declared in a DOCTYPE; they are refused because they can read server files or expand to gigabytes.",
                exception);
        }
        catch (XmlException exception) when (exception.Message.Contains("MaxCharactersInDocument", StringComparison.Ordinal))
        {
            throw new SvgRefusedException("svg-limit", $"The SVG text is larger than the limit (MaxSvgBytes) of {limits.MaxCharacters / 1_000_000} MB.", exception);
        }
        catch (XmlException exception)
        {
            throw new SvgRefusedException("svg-not-xml", "The SVG is not well-formed XML.", exception);
        }
        catch (InvalidDataException exception)
        {
            throw new SvgRefusedException("svg-not-xml", "The SVGZ is not valid gzip.", exception);
        }

        return findings;
    }

    /// <summary>Sanitises a file into memory.</summary>
    public static (byte[] Svg, SvgFindings Findings) Sanitize(string path, SvgReadLimits limits)
    {
        using var input = File.OpenRead(path);
        using var output = new MemoryStream();
        var findings = Sanitize(input, output, limits);
        return (output.ToArray(), findings);
    }

    /// <summary>Whether the file can be read as a safe SVG at all, for the upload's probe: the refusal, or null.</summary>
    public static Refusal? Check(string path, SvgReadLimits limits)
    {
        try
        {
            using var input = File.OpenRead(path);
            _ = Sanitize(input, Stream.Null, limits);
            return null;
        }
        catch (SvgRefusedException refused)
        {
            return new Refusal(
                refused.Code == "svg-limit" ? RefusalKind.TooLarge : RefusalKind.Unprocessable,
                refused.Code == "svg-limit" ? "SVG too large" : "Unsafe or unreadable SVG",
                refused.Message,
                refused.Code);
        }
    }

    private static XmlReaderSettings ReaderSettings(SvgReadLimits limits) => new()
    {
        // No DTD is read: an entity reference then fails the parse instead of reading a file (XXE) or expanding (billion laughs).
        DtdProcessing = DtdProcessing.Ignore,
        XmlResolver = null,
        MaxCharactersFromEntities = 0,
        MaxCharactersInDocument = limits.MaxCharacters,
        IgnoreComments = false, // seen, so they can be counted as removed
        IgnoreProcessingInstructions = false,
        IgnoreWhitespace = false,
        CloseInput = false,
    };

    private static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        OmitXmlDeclaration = true,
        Indent = false,
        NewLineHandling = NewLineHandling.None,
        CloseOutput = false,
    };

    private static Stream Decompressed(Stream input)
    {
        var buffered = new BufferedStream(input, 64 * 1024);
        Span<byte> magic = stackalloc byte[2];
        var gzip = input.CanSeek && input.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        if (input.CanSeek)
        {
            input.Position = 0;
        }

        return gzip ? new GZipStream(buffered, CompressionMode.Decompress) : buffered;
    }

    private static void Copy(XmlReader reader, XmlWriter writer, SvgReadLimits limits, SvgFindings findings)
    {
        var copy = new Copier(reader, writer, findings);
        while (reader.Read())
        {
            if (reader.Depth > limits.MaxDepth)
            {
                throw new SvgRefusedException("svg-too-deep", $"The SVG nests elements more than {limits.MaxDepth} deep.");
            }

            copy.Node();
        }

        if (!copy.SawRoot)
        {
            throw new SvgRefusedException("svg-not-svg", "The file has no <svg> element.");
        }
    }

    /// <summary>One pass of the reader into the writer: which elements are kept, which skipped with their content.</summary>
    private sealed class Copier(XmlReader reader, XmlWriter writer, SvgFindings findings)
    {
        /// <summary>The kept elements open now, innermost last.</summary>
        private readonly Stack<string> _open = new();

        /// <summary>SVG's namespace, or none for a file whose root forgot xmlns; decided by the root.</summary>
        private string? _svgNamespace;

        /// <summary>Depth of the element being skipped with its content; -1 when none is.</summary>
        private int _skipping = -1;

        /// <summary>Depth of the outermost open xml:space="preserve" element.</summary>
        private int _preserve = int.MaxValue;

        public bool SawRoot => _svgNamespace is not null;

        public void Node()
        {
            if (_skipping >= 0)
            {
                if (reader.Depth == _skipping && reader.NodeType == XmlNodeType.EndElement)
                {
                    _skipping = -1;
                }

                if (reader.NodeType == XmlNodeType.EntityReference)
                {
                    throw new XmlException("An entity reference is not allowed.");
                }

                return;
            }

            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    Element();
                    break;
                case XmlNodeType.EndElement:
                    if (reader.Depth <= _preserve)
                    {
                        _preserve = int.MaxValue;
                    }

                    _open.Pop();
                    writer.WriteFullEndElement();
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA:
                    writer.WriteString(_open.TryPeek(out var parent) && parent == "style" ? Css(reader.Value, findings) : reader.Value);
                    break;
                case XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace when _open.Any(TextElements.Contains) || reader.Depth > _preserve:
                    writer.WriteWhitespace(reader.Value);
                    break;
                case XmlNodeType.Comment:
                    findings.Add(SvgFindings.Comments);
                    break;
                case XmlNodeType.ProcessingInstruction:
                    findings.Add(SvgFindings.ProcessingInstructions);
                    break;
                case XmlNodeType.EntityReference:
                    throw new XmlException("An entity reference is not allowed.");
            }
        }

        private void Element()
        {
            var name = reader.LocalName;
            var ns = reader.NamespaceURI;
            if (_svgNamespace is null)
            {
                if (name != "svg" || ns is not (SvgNamespace or ""))
                {
                    throw new SvgRefusedException("svg-not-svg", "The file is XML but its root element is not an SVG <svg>.");
                }

                _svgNamespace = ns;
            }
            else if (Dropped(name, ns) is { } finding)
            {
                if (finding.Length > 0)
                {
                    findings.Add(finding);
                }

                if (!reader.IsEmptyElement)
                {
                    _skipping = reader.Depth;
                }

                return;
            }

            var empty = reader.IsEmptyElement;
            writer.WriteStartElement(name, SvgNamespace);
            if (_open.Count == 0)
            {
                // Declared first, and xlink once on the root, so an xlink:href below does not declare it again on its own element.
                writer.WriteAttributeString("xmlns", "http://www.w3.org/2000/xmlns/", SvgNamespace);
                writer.WriteAttributeString("xmlns", "xlink", null, XLinkNamespace);
            }

            if (reader.MoveToFirstAttribute())
            {
                do
                {
                    Attribute(name);
                }
                while (reader.MoveToNextAttribute());
                reader.MoveToElement();
            }

            if (empty)
            {
                writer.WriteEndElement();
            }
            else
            {
                _open.Push(name);
            }
        }

        /// <summary>Why an element goes with its content ("" when silently: editor data, metadata), or null when it stays.</summary>
        private string? Dropped(string name, string ns)
        {
            if (ns.Contains("XInclude", StringComparison.Ordinal))
            {
                return SvgFindings.ExternalReferences;
            }

            if (ActiveElements.Contains(name))
            {
                return name.Equals("script", StringComparison.OrdinalIgnoreCase) ? SvgFindings.Scripts : SvgFindings.ForeignContent;
            }

            if (ns != _svgNamespace)
            {
                // Another vocabulary (Inkscape, Sodipodi, RDF, XHTML): an SVG renderer draws none of it.
                return ns.Contains("xhtml", StringComparison.Ordinal) ? SvgFindings.ForeignContent : "";
            }

            if (Animations.Contains(name) && AnimatesLinkOrHandler(reader))
            {
                return SvgFindings.Scripts;
            }

            return name == "metadata" ? "" : null; // author, licence, keywords: drawn by nothing
        }

        private void Attribute(string element)
        {
            var ns = reader.NamespaceURI;
            var name = reader.LocalName;
            var value = reader.Value;
            if (ns == "http://www.w3.org/2000/xmlns/")
            {
                return; // the writer declares what the kept names need
            }

            if (ns == XmlNamespace)
            {
                if (name == "base")
                {
                    findings.Add(SvgFindings.ExternalReferences); // would move where every relative reference points
                    return;
                }

                if (name == "space" && value == "preserve")
                {
                    _preserve = Math.Min(_preserve, reader.Depth - 1); // an attribute is one deeper than its element
                }

                writer.WriteAttributeString("xml", name, XmlNamespace, value);
                return;
            }

            var isLink = name == "href" && ns is "" or XLinkNamespace;
            if (ns.Length > 0 && !isLink)
            {
                return; // editor data: inkscape:label, sodipodi:nodetypes, ...
            }

            if (name.StartsWith("on", StringComparison.OrdinalIgnoreCase))
            {
                findings.Add(SvgFindings.EventHandlers);
            }
            else if (IsScriptUrl(value))
            {
                findings.Add(SvgFindings.ScriptLinks);
            }
            else if (isLink && !IsLocal(value) && !(PictureElements.Contains(element) && IsEmbeddedPicture(value)))
            {
                findings.Add(SvgFindings.ExternalReferences);
            }
            else if (isLink)
            {
                writer.WriteAttributeString(ns.Length > 0 ? "xlink" : null, "href", ns.Length > 0 ? XLinkNamespace : null, value);
            }
            else
            {
                writer.WriteAttributeString(name, name == "style" || value.Contains("url(", StringComparison.OrdinalIgnoreCase) ? Css(value, findings) : value);
            }
        }
    }

    private static bool AnimatesLinkOrHandler(XmlReader reader)
    {
        var target = reader.GetAttribute("attributeName")?.Trim() ?? "";
        return target.EndsWith("href", StringComparison.OrdinalIgnoreCase) || target.StartsWith("on", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLocal(string url) => url.TrimStart().StartsWith('#');

    private static bool IsEmbeddedPicture(string url) => EmbeddedPicture().IsMatch(url);

    /// <summary>javascript:, vbscript: or data:text/html, however spaced or cased (browsers drop whitespace and control characters in a scheme).</summary>
    private static bool IsScriptUrl(string value)
    {
        var squeezed = new string(value.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)).ToArray());
        return squeezed.Contains("javascript:", StringComparison.OrdinalIgnoreCase) || squeezed.Contains("vbscript:", StringComparison.OrdinalIgnoreCase)
            || squeezed.Contains("data:text/html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>CSS without imports or references outside the file: <c>@import</c> goes, url(other) becomes none.</summary>
    private static string Css(string css, SvgFindings findings)
    {
        var cleaned = Import().Replace(css, "");
        cleaned = Url().Replace(cleaned, match =>
        {
            var target = match.Groups["target"].Value.Trim().Trim('"', '\'').Trim();
            return target.StartsWith('#') || IsEmbeddedPicture(target) ? match.Value : "none";
        });
        if (ScriptCss().IsMatch(cleaned))
        {
            cleaned = ScriptCss().Replace(cleaned, "none");
        }

        if (cleaned != css)
        {
            findings.Add(SvgFindings.ExternalReferences);
        }

        return cleaned;
    }

    [GeneratedRegex(@"@import[^;]*;?", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex Import();

    [GeneratedRegex(@"url\s*\((?<target>[^)]*)\)", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex Url();

    /// <summary>Old browsers' ways to run code from CSS.</summary>
    [GeneratedRegex(@"expression\s*\(|-moz-binding|behavior\s*:|javascript:", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex ScriptCss();

    [GeneratedRegex(@"^\s*data:image/(png|jpeg|jpg|gif|webp|avif)\s*[;,]", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex EmbeddedPicture();
}

/// <summary>
/// Passes the text through and notes a DOCTYPE or an entity declaration in it: ignored by the reader, they would still be
/// in an original served as it came. Matches ASCII-compatible text (UTF-8, Latin-1); "&lt;!DOCTYPE" in a comment counts too,
/// which only means the original is served sanitised rather than as it came.
/// </summary>
internal sealed class DoctypeSpotter(Stream inner, SvgFindings findings) : Stream
{
    private static readonly byte[][] Markers = [Encoding.ASCII.GetBytes("<!DOCTYPE"), Encoding.ASCII.GetBytes("<!ENTITY")];

    /// <summary>The end of the previous read, so a marker split across two reads is still seen.</summary>
    private readonly byte[] _carry = new byte[8];
    private int _carried;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        if (read > 0)
        {
            Spot(buffer[..read]);
        }

        return read;
    }

    private void Spot(ReadOnlySpan<byte> chunk)
    {
        Span<byte> joined = stackalloc byte[16];
        var head = chunk[..Math.Min(chunk.Length, 8)];
        _carry.AsSpan(0, _carried).CopyTo(joined);
        head.CopyTo(joined[_carried..]);
        if (Contains(chunk) || Contains(joined[..(_carried + head.Length)]))
        {
            findings.Add(SvgFindings.Doctype);
        }

        var tail = chunk[Math.Max(0, chunk.Length - 8)..];
        tail.CopyTo(_carry);
        _carried = tail.Length;
    }

    private static bool Contains(ReadOnlySpan<byte> bytes)
    {
        foreach (var marker in Markers)
        {
            for (var at = bytes.IndexOf((byte)'<'); at >= 0 && at + marker.Length <= bytes.Length; at = NextOpen(bytes, at))
            {
                if (Ascii.EqualsIgnoreCase(bytes.Slice(at, marker.Length), marker))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int NextOpen(ReadOnlySpan<byte> bytes, int at)
    {
        var next = bytes[(at + 1)..].IndexOf((byte)'<');
        return next < 0 ? -1 : at + 1 + next;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>Limits of one SVG read: characters of text (decompressed), and element nesting.</summary>
public sealed record SvgReadLimits(long MaxCharacters, int MaxDepth);

/// <summary>What the sanitiser removed, named for a person.</summary>
public sealed class SvgFindings
{
    public const string Scripts = "scripts";
    public const string EventHandlers = "event handlers";
    public const string ScriptLinks = "javascript: links";
    public const string ExternalReferences = "external references";
    public const string ForeignContent = "embedded HTML (foreignObject)";
    public const string Doctype = "DOCTYPE";
    public const string Comments = "comments";
    public const string ProcessingInstructions = "processing instructions";

    private readonly SortedSet<string> _found = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> All => _found;

    /// <summary>Content that can act (run, fetch, embed a page): an original carrying it is never served as it is.</summary>
    public bool Active => _found.Any(f => f is not (Comments or ProcessingInstructions or Doctype));

    internal void Add(string finding) => _found.Add(finding);

    public override string ToString() => string.Join(", ", _found);
}

/// <summary>An SVG that is refused: a stable code and a sentence for a person.</summary>
public sealed class SvgRefusedException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}
