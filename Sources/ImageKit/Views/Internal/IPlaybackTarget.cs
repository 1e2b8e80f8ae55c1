using ImageKit.Animation;

namespace ImageKit.Views.Internal;

/// <summary>What <see cref="PlaybackVisibilityController"/> needs of a player: lets tests drive it without clocks.</summary>
internal interface IPlaybackTarget
{
    bool IsPlaying { get; }

    /// <summary>Whether the player has been disposed: it can never play again, and is left alone.</summary>
    bool IsDisposed => false;

    void Play();

    void Pause();
}

/// <summary>Adapts an <see cref="AnimatedImagePlayer"/> to <see cref="IPlaybackTarget"/>.</summary>
internal sealed class PlayerPlaybackTarget(AnimatedImagePlayer player) : IPlaybackTarget
{
    public AnimatedImagePlayer Player { get; } = player;

    public bool IsPlaying => Player.IsPlaying;

    public bool IsDisposed => Player.IsDisposedNow;

    public void Play() => Player.Play();

    public void Pause() => Player.Pause();
}
