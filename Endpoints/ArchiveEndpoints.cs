using System.IO.Compression;
using FileOptimizer.Processing;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Jobs;

namespace FileOptimizer.Endpoints;

/// <summary>
/// GET  /api/download/archive?ids=a,b,c     the results of finished jobs as one ZIP, streamed
/// POST /api/download/archive {"jobIds":[…]} the same for lists too long for a URL (JSON, or a form with "ids" fields)
///
/// Every id is checked before the first byte is sent: a malformed id answers 400, an unknown one 404 and an unfinished
/// one 409 (ProblemDetails naming the id), so a ZIP that starts is complete. Entries carry the names single downloads
/// have (the cleaned client name with the new extension); equal names get " (2)", " (3)" before the extension.
/// The ZIP is written while it is sent, entry by entry, with asynchronous writes: no file is held in memory.
/// </summary>
public static class ArchiveEndpoints
{
    /// <summary>Most jobs one archive may hold.</summary>
    public const int MaxJobs = 1000;

    public const string ArchiveName = "fileoptimizer.zip";

    public sealed record ArchiveRequest(string[]? JobIds);

    /// <summary>Inside the download group: its tag and its rate limit.</summary>
    public static RouteGroupBuilder MapArchive(this RouteGroupBuilder download)
    {
        var group = download.MapGroup("/archive");
        group.MapGet("/", (string[]? ids, HttpContext context, JobStore store) => Archive(ids, context, store))
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Download the results of several finished jobs as one ZIP");
        group.MapPost("/", ArchiveFromBodyAsync)
            .DisableAntiforgery()
            .Accepts<ArchiveRequest>("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Download the results of several finished jobs as one ZIP (ids in the body)");
        return group;
    }

    public static async Task<IResult> ArchiveFromBodyAsync(HttpContext context, JobStore store, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.HasJsonContentType())
        {
            ArchiveRequest? body;
            try
            {
                body = await request.ReadFromJsonAsync<ArchiveRequest>(cancellationToken);
            }
            catch (System.Text.Json.JsonException)
            {
                return InvalidIds("Send a JSON object such as {\"jobIds\":[\"…\",\"…\"]}.");
            }

            return Archive(body?.JobIds, context, store);
        }

        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken);
            return Archive(form["ids"].Concat(form["jobIds"]), context, store);
        }

        return TypedResults.Problem(
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "Unsupported request type",
            detail: "Send {\"jobIds\":[…]} as application/json, or \"ids\" fields as a form.");
    }

    public static IResult Archive(IEnumerable<string?>? ids, HttpContext context, JobStore store)
    {
        // "ids=a,b" and "ids=a&ids=b" both work; repeats are taken once, in the order first given.
        var wanted = (ids ?? [])
            .SelectMany(value => (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (wanted.Count == 0)
        {
            return InvalidIds("Name at least one job: ?ids=ID1,ID2 or {\"jobIds\":[\"ID1\",\"ID2\"]}.");
        }

        if (wanted.Count > MaxJobs)
        {
            return InvalidIds($"One archive holds at most {MaxJobs} jobs; this asked for {wanted.Count}.");
        }

        var malformed = wanted.Where(id => !JobStore.IsValidId(id)).Take(5).ToList();
        if (malformed.Count > 0)
        {
            return InvalidIds($"Job ids are 32 lowercase hexadecimal characters; these are not: {string.Join(", ", malformed.Select(Shorten))}.");
        }

        var entries = new List<(string Path, string Name, DateTimeOffset? Modified)>(wanted.Count);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var id in wanted)
        {
            if (!store.TryGet(id, out var job))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status404NotFound,
                    title: "Job not found",
                    detail: $"No job has the id {id}. Jobs are deleted when their retention period ends.");
            }

            var record = job.Current;
            if (record.Status != JobStatus.Completed || store.ResultPath(record) is not { } path || record.OutputFormat is not { } format)
            {
                return Problems.WrongState(record, $"job {id} can be put in an archive when its status is completed");
            }

            if (!File.Exists(path))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status404NotFound,
                    title: "Job not found",
                    detail: $"The result of job {id} is no longer stored.");
            }

            entries.Add((path, UniqueName(FileNames.WithExtension(record.FileName, format.Extension()), names), record.CompletedAt));
        }

        context.Response.Headers.CacheControl = "no-store";
        var aborted = context.RequestAborted;
        return TypedResults.Stream(body => WriteAsync(body, entries, aborted), "application/zip", ArchiveName);
    }

    /// <summary>"a.webp", then "a (2).webp", "a (3).webp"; names differing only in case count as equal (they would clash on Windows and macOS).</summary>
    public static string UniqueName(string name, ISet<string> taken)
    {
        if (taken.Add(name))
        {
            return name;
        }

        var dot = name.LastIndexOf('.');
        var stem = dot > 0 ? name[..dot] : name;
        var extension = dot > 0 ? name[dot..] : "";
        for (var n = 2; ; n++)
        {
            var candidate = $"{stem} ({n}){extension}";
            if (taken.Add(candidate))
            {
                return candidate;
            }
        }
    }

    private static async Task WriteAsync(Stream body, List<(string Path, string Name, DateTimeOffset? Modified)> entries, CancellationToken cancellationToken)
    {
        var output = new SyncWriteDeferringStream(body);
        // Results are compressed images already: entries are stored, not deflated, which costs no CPU and saves nothing to lose.
        await using (var archive = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken))
        {
            foreach (var (path, name, modified) in entries)
            {
                // Opened one at a time; a result deleted since the check (retention, DELETE) throws here and the
                // connection is aborted, so the client sees a failed download rather than a ZIP missing a file.
                await using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
                var entry = archive.CreateEntry(name, CompressionLevel.NoCompression);
                entry.LastWriteTime = ZipTime(modified ?? File.GetLastWriteTimeUtc(path));
                await using var target = await entry.OpenAsync(cancellationToken);
                await source.CopyToAsync(target, 128 * 1024, cancellationToken);
            }
        }

        await output.FlushAsync(cancellationToken);
    }

    // ZIP timestamps run from 1980 to 2107.
    private static DateTimeOffset ZipTime(DateTimeOffset time) =>
        time.Year is >= 1980 and < 2108 ? time : new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ValidationProblem InvalidIds(string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ids"] = [message] }, title: "The archive request is invalid");

    private static string Shorten(string id) => id.Length <= 40 ? $"\"{id}\"" : $"\"{id[..40]}…\"";

    /// <summary>
    /// Kestrel refuses synchronous writes (AllowSynchronousIO is off, as it should be), and .NET 10's ZipArchive still writes
    /// an entry's data descriptor synchronously when the entry's stream is disposed, even through DisposeAsync. This stream
    /// keeps such small synchronous writes and sends them, in order, before the next asynchronous write or flush; the file
    /// contents themselves arrive through WriteAsync and pass straight on. A synchronous write of more than
    /// <see cref="MaxDeferred"/> bytes would mean whole contents go that way: it throws rather than buffering a file.
    /// </summary>
    private sealed class SyncWriteDeferringStream(Stream inner) : Stream
    {
        private const int MaxDeferred = 1024 * 1024;
        private readonly MemoryStream _deferred = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_deferred.Length + buffer.Length > MaxDeferred)
            {
                throw new InvalidOperationException("Too much written synchronously to the response; the ZIP writer must write contents asynchronously.");
            }

            _deferred.Write(buffer);
        }

        public override void WriteByte(byte value) => Write([value]);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await SendDeferredAsync(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
            // Nothing can be sent synchronously; deferred bytes go with the next asynchronous write or flush.
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await SendDeferredAsync(cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        private async ValueTask SendDeferredAsync(CancellationToken cancellationToken)
        {
            if (_deferred.Length > 0)
            {
                await inner.WriteAsync(_deferred.GetBuffer().AsMemory(0, (int)_deferred.Length), cancellationToken);
                _deferred.SetLength(0);
            }
        }
    }
}
