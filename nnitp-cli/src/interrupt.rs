//! Ctrl-C: the process ends at once, leaving no half-written cache entry.

use std::path::PathBuf;

use nnitp::core::cache::ActivationCache;

/// On Ctrl-C (SIGINT, SIGTERM), removes the cache entries this process was
/// still writing in `cache` and exits with status 130.
pub fn install(cache: Option<PathBuf>) {
    let cache = cache.map(ActivationCache::new);
    // a second handler cannot be set: the first one stays, which is the same
    let _ = ctrlc::set_handler(move || {
        if let Some(c) = &cache {
            let _ = c.remove_unfinished();
        }
        eprintln!("interrupted");
        std::process::exit(130);
    });
}
