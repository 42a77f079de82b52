using Microsoft.Extensions.Logging;

namespace FileOptimizer.Tests.Infrastructure;

/// <summary>Writes the app's logs into the output of the test that is running, so a failure shows what the service did.</summary>
public sealed class TestOutputLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new OutputLogger(categoryName);

    public void Dispose()
    {
    }

    private sealed class OutputLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"[{logLevel}] {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.GetType().Name + ": " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // Between tests there is no output to write to.
            }
        }
    }
}
