using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Processing:Workers", "0", "Workers")]
    [InlineData("Processing:QueueCapacity", "-1", "QueueCapacity")]
    [InlineData("Upload:MaxSize", "0", "MaxSize")]
    [InlineData("Storage:RetentionSeconds", "0", "RetentionSeconds")]
    [InlineData("Server:Port", "70000", "PORT")]
    public void A_wrong_setting_stops_the_service_at_start_with_a_message_naming_it(string key, string value, string named)
    {
        var exception = Assert.ThrowsAny<Exception>(() => new OptimizerApp(new Dictionary<string, string?> { [key] = value }, kestrel: false).Dispose());

        var message = exception.ToString();
        TestContext.Current.TestOutputHelper?.WriteLine(message);
        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Defaults_give_a_working_service_with_workers_per_core()
    {
        using var app = new OptimizerApp(new Dictionary<string, string?> { ["Processing:Workers"] = null });
        using var api = app.Api();

        using var response = await api.Http.GetAsync("/api/health", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Environment.ProcessorCount, app.Service<FileOptimizer.Processing.Jobs.JobWorker>().Workers);
    }
}
