//! A fixed-window rate limiter per key (form key + client address, and the
//! form key alone, so that many addresses cannot flood one dealership
//! either). In one process (the local server) it is exact; in Lambda each
//! warm instance counts for itself, and the function's reserved concurrency
//! bounds the rest.

use norvalt_core::config::{ConfigError, Env};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    hits: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Form posts per minute from one address: `NORVALT_FORM_RATE_LIMIT`
    /// (default 20).
    pub fn limit_from_env(env: &Env) -> Result<u32, ConfigError> {
        limit_var(env, "NORVALT_FORM_RATE_LIMIT", 20)
    }

    /// Form posts per minute to one form from all addresses together:
    /// `NORVALT_FORM_KEY_RATE_LIMIT` (default 300: a busy campaign, far below
    /// what a flood would need to run up model and SMS costs).
    pub fn form_limit_from_env(env: &Env) -> Result<u32, ConfigError> {
        limit_var(env, "NORVALT_FORM_KEY_RATE_LIMIT", 300)
    }

    /// [`limit_from_env`](Self::limit_from_env) posts per minute.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self::new(
            Self::limit_from_env(env)?,
            Duration::from_secs(60),
        ))
    }

    /// [`form_limit_from_env`](Self::form_limit_from_env) posts per minute.
    pub fn form_from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self::new(
            Self::form_limit_from_env(env)?,
            Duration::from_secs(60),
        ))
    }

    /// `Err(seconds to wait)` when `key` used up its window.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 50_000 {
            hits.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = hits.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

fn limit_var(env: &Env, name: &str, default: u32) -> Result<u32, ConfigError> {
    Ok(env.parsed(name)?.unwrap_or(default))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_limited_alone() {
        let rl = RateLimiter::new(2, Duration::from_secs(60));
        assert!(rl.check("a").is_ok() && rl.check("a").is_ok());
        let wait = rl.check("a").unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(rl.check("b").is_ok());
    }
}
