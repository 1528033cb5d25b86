//! Returning freed memory to the operating system.
//!
//! glibc's allocator keeps freed memory in its arenas for reuse, so a process that once
//! needed a lot (loading the demo network hashes every demo client's secret with
//! argon2, 19 MiB each) stays that large while idle. `release` hands the free pages
//! back; it costs a walk over the heap (milliseconds) and is called after such
//! one-off work and, from `serve`, periodically while the hub runs.

use std::time::Duration;

/// Gives free heap memory back to the operating system (glibc `malloc_trim`; a no-op
/// with other allocators).
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases memory the allocator holds as free; it has
    // no preconditions and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// How often the serving hub releases free memory.
pub const RELEASE_EVERY: Duration = Duration::from_secs(10);

/// Releases free memory every `RELEASE_EVERY`, on a blocking thread, until the runtime
/// stops.
pub fn release_periodically() {
    tokio::spawn(async {
        let mut tick = tokio::time::interval(RELEASE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let _ = tokio::task::spawn_blocking(release).await;
        }
    });
}
