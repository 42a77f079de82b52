namespace FileOptimizer.Processing.Imaging;

/// <summary>
/// Progress of one image, once per percent. libvips reports how far its pixel pipeline has run; JPEG encodes as the
/// pixels arrive, but the other encoders take the whole image first and then compress it with no progress of their own.
/// For those the pipeline fills the first part of the bar and the rest follows the time the job is expected to take,
/// approaching but never reaching 100 until the file is written.
/// </summary>
internal sealed class EncodeProgress : IProgress<int>, IDisposable
{
    private readonly IProgress<int> _target;
    private readonly int _pipelineShare;
    private readonly double _expectedSeconds;
    private readonly TimeProvider _time = TimeProvider.System;
    private ITimer? _encoding;
    private long _encodingStarted;

    /// <param name="measured">Decoded into memory and then searched and scored: the pipeline is only the first part of the work.</param>
    public EncodeProgress(IProgress<int> target, MediaFormat output, bool measured, double expectedSeconds)
    {
        _target = target;
        _expectedSeconds = Math.Max(0.5, expectedSeconds);
        _pipelineShare = output == MediaFormat.Jpeg && !measured ? 100 : 30;
    }

    public void Report(int value)
    {
        var percent = Math.Clamp(value, 0, 100);
        _target.Report(percent * _pipelineShare / 100);
        if (percent == 100 && _pipelineShare < 100 && _encoding is null)
        {
            _encodingStarted = _time.GetTimestamp();
            _encoding = _time.CreateTimer(_ => Advance(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        }
    }

    public void Dispose() => _encoding?.Dispose();

    private void Advance()
    {
        var elapsed = _time.GetElapsedTime(_encodingStarted).TotalSeconds;
        var remainingShare = 99 - _pipelineShare;
        _target.Report(_pipelineShare + (int)(remainingShare * (1 - Math.Exp(-elapsed / (_expectedSeconds * (1 - (_pipelineShare / 100.0)))))));
    }
}
