using System.Text;
using FileOptimizer.Processing.Imaging.Svg;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Imaging;

/// <summary>The sanitiser alone, on small documents written here: what goes, what stays, what is refused.</summary>
public sealed class SvgSanitizerTests
{
    private static readonly SvgReadLimits Limits = new(16_000_000, 256);

    private static (string Svg, SvgFindings Findings) Sanitize(string svg)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(svg));
        using var output = new MemoryStream();
        var findings = SvgSanitizer.Sanitize(input, output, Limits);
        return (Encoding.UTF8.GetString(output.ToArray()), findings);
    }

    [Fact]
    public void Scripts_handlers_script_links_and_foreign_objects_are_removed_and_named()
    {
        var (svg, findings) = Sanitize("""
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10" onload="alert(1)">
              <script>alert(2)</script>
              <a xlink:href="javascript:alert(3)"><rect width="10" height="10" onclick="alert(4)"/></a>
              <a href=" java&#x09;script:alert(5)"><circle r="2"/></a>
              <set attributeName="href" to="javascript:alert(6)"/>
              <foreignObject width="10" height="10"><iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:alert(7)"/></foreignObject>
              <html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(8)</html:script>
            </svg>
            """);

        Assert.DoesNotContain("alert", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("script", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("foreignObject", svg, StringComparison.Ordinal);
        Assert.Contains("<rect width=\"10\" height=\"10\" />", svg, StringComparison.Ordinal);
        Assert.Contains("<circle r=\"2\" />", svg, StringComparison.Ordinal);
        Assert.True(findings.Active);
        Assert.Equal(
            [SvgFindings.ForeignContent, SvgFindings.EventHandlers, SvgFindings.ScriptLinks, SvgFindings.Scripts],
            findings.All);
    }

    [Fact]
    public void References_outside_the_file_go_and_references_inside_it_stay()
    {
        var (svg, findings) = Sanitize("""
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xi="http://www.w3.org/2001/XInclude" xml:base="http://evil.example/">
              <style>@import url(http://127.0.0.1:9/x.css); rect { fill: url(http://127.0.0.1:9/p.svg#g) } circle { fill: url(#grad) }</style>
              <defs><linearGradient id="grad"><stop offset="0" stop-color="red"/></linearGradient></defs>
              <image href="file:///etc/hostname" width="1" height="1"/>
              <image xlink:href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>
              <use xlink:href="other.svg#shape"/>
              <use href="#grad"/>
              <rect style="fill:url('https://tracker.example/p.png')" width="1" height="1"/>
              <text><xi:include href="file:///etc/passwd" parse="text"/></text>
            </svg>
            """);

        Assert.DoesNotContain("127.0.0.1", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("file:", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("other.svg", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("tracker.example", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("include", svg, StringComparison.Ordinal);
        Assert.Contains("url(#grad)", svg, StringComparison.Ordinal);
        Assert.Contains("<use href=\"#grad\" />", svg, StringComparison.Ordinal);
        Assert.Contains("xlink:href=\"data:image/png;base64,iVBORw0KGgo=\"", svg, StringComparison.Ordinal);
        Assert.Equal([SvgFindings.ExternalReferences], findings.All);
    }

    [Fact]
    public void Editor_data_comments_and_doctype_go_and_text_keeps_its_spaces()
    {
        var (svg, findings) = Sanitize("""
            <?xml version="1.0" encoding="UTF-8" standalone="no"?>
            <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 20010904//EN" "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd">
            <!-- Created with Inkscape -->
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:version="0.42" width="10">
              <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
              <inkscape:perspective/>
              <g inkscape:label="Layer 1"><text x="1"><tspan>a</tspan> <tspan>b</tspan></text></g>
            </svg>
            """);

        Assert.Equal(
            """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10"><g><text x="1"><tspan>a</tspan> <tspan>b</tspan></text></g></svg>""",
            svg);
        Assert.Equal([SvgFindings.Doctype, SvgFindings.Comments], findings.All);
        Assert.False(findings.Active);
    }

    [Theory]
    [InlineData("svg-xxe.svg")]
    [InlineData("svg-billion-laughs.svg")]
    [InlineData("suites/generated/svg_xxe_file_entity.svg")]
    [InlineData("suites/generated/bomb_svg_billion_laughs_entities.svg")]
    public void Entity_declarations_are_refused_without_being_expanded(string file)
    {
        var refusal = SvgSanitizer.Check(TestFiles.BadInput(file), Limits);

        Assert.NotNull(refusal);
        Assert.Equal("svg-entities", refusal.Reason);
        Assert.DoesNotContain("passwd", refusal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_beyond_the_limit_is_refused()
    {
        var deep = string.Concat(Enumerable.Repeat("<g>", 300)) + string.Concat(Enumerable.Repeat("</g>", 300));
        using var input = new MemoryStream(Encoding.UTF8.GetBytes($"<svg xmlns=\"http://www.w3.org/2000/svg\">{deep}</svg>"));

        var refused = Assert.Throws<SvgRefusedException>(() => SvgSanitizer.Sanitize(input, Stream.Null, Limits));

        Assert.Equal("svg-too-deep", refused.Code);
    }

    [Fact]
    public void Text_larger_than_the_limit_is_refused()
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes($"<svg xmlns=\"http://www.w3.org/2000/svg\"><desc>{new string('a', 5000)}</desc></svg>"));

        var refused = Assert.Throws<SvgRefusedException>(() => SvgSanitizer.Sanitize(input, Stream.Null, new SvgReadLimits(1000, 256)));

        Assert.Equal("svg-limit", refused.Code);
    }

    [Theory]
    [InlineData("<html xmlns=\"http://www.w3.org/1999/xhtml\"/>", "svg-not-svg")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><g></svg>", "svg-not-xml")]
    public void Documents_that_are_not_svg_are_refused(string text, string code)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(text));

        Assert.Equal(code, Assert.Throws<SvgRefusedException>(() => SvgSanitizer.Sanitize(input, Stream.Null, Limits)).Code);
    }

    [Fact]
    public void Svgz_is_read_through_gzip()
    {
        var path = TestFiles.BadInput("suites/libvips-test-images/logo.svgz");
        using var input = File.OpenRead(path);
        using var output = new MemoryStream();

        _ = SvgSanitizer.Sanitize(input, output, Limits);

        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", Encoding.UTF8.GetString(output.ToArray()), StringComparison.Ordinal);
    }
}
