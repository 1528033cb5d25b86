//! Returning freed memory to the operating system.
//!
//! The allocator (mimalloc, see the crate root) keeps freed memory for reuse, so a
//! process that once needed a lot (loading the demo network hashes every demo client's
//! secret with argon2, 19 MiB each) could stay that large while idle. `release` hands
//! the free pages back; it is called after such one-off work and, from `serve`,
//! periodically while the hub runs.

use std::time::Duration;

/// Gives free heap memory back to the operating system.
pub fn release() {
    // SAFETY: `mi_collect` only frees memory the allocator holds as unused; it has no
    // preconditions and may be called from any thread at any time.
    unsafe {
        libmimalloc_sys::mi_collect(true);
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
