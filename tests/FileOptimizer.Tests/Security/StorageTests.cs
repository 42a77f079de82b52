using System.Net.Sockets;
using System.Text;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Security;

public sealed class StorageTests
{
    [Fact]
    public async Task Uploads_are_refused_with_507_when_free_space_is_below_the_floor()
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Security:MinFreeDiskBytes"] = long.MaxValue.ToString() });
        using var api = app.Api();

        using var response = await api.PostUploadAsync(TestImages.SmallGif);

        var problem = await ApiClient.ProblemAsync(response, HttpStatusCode.InsufficientStorage);
        Assert.Equal("storage-full", problem.Str("reason"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(app.StorageRoot, "jobs")));
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_upload_leaves_no_file_and_the_server_goes_on()
    {
        using var app = new OptimizerApp();
        using var api = app.Api();
        var address = api.Http.BaseAddress!;

        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(address.Host, address.Port, TestContext.Current.CancellationToken);
            var stream = socket.GetStream();
            const string boundary = "abortboundary";
            var head = $"POST /api/upload HTTP/1.1\r\nHost: {address.Authority}\r\nUser-Agent: abort-test\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 50000000\r\n\r\n"
                + $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), TestContext.Current.CancellationToken);
            await stream.WriteAsync(new byte[2_000_000], TestContext.Current.CancellationToken);
            await stream.FlushAsync(TestContext.Current.CancellationToken);
            await Task.Delay(300, TestContext.Current.CancellationToken);
        } // gone, 48 MB short

        var jobs = Path.Combine(app.StorageRoot, "jobs");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.GetDirectories(jobs).Length > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Empty(Directory.GetDirectories(jobs));
        var id = await api.UploadAsync(TestImages.SmallGif);
        await api.WaitForCompletionAsync(id);
    }

    [Fact]
    public async Task A_client_that_sends_headers_too_slowly_is_cut_off_while_others_are_served()
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Server:RequestHeadersTimeoutSeconds"] = "2" });
        using var api = app.Api();
        var address = api.Http.BaseAddress!;
        using var slow = new TcpClient();
        await slow.ConnectAsync(address.Host, address.Port, TestContext.Current.CancellationToken);
        var stream = slow.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /api/status HTTP/1.1\r\nHost: x\r\n"), TestContext.Current.CancellationToken);

        using var meanwhile = await api.Http.GetAsync("/api/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, meanwhile.StatusCode);

        // Keep dribbling a header byte a second, the way slowloris does; the server must close the connection.
        var closed = false;
        var buffer = new byte[1024];
        for (var i = 0; i < 10 && !closed; i++)
        {
            try
            {
                await stream.WriteAsync("X"u8.ToArray(), TestContext.Current.CancellationToken);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
                wait.CancelAfter(TimeSpan.FromSeconds(1));
                closed = await stream.ReadAsync(buffer, wait.Token) >= 0;
            }
            catch (OperationCanceledException)
            {
            }
            catch (IOException)
            {
                closed = true;
            }
        }

        Assert.True(closed, "the slow client was never cut off");
    }
}
