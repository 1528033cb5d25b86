//! What the benchmarks that run the hub as a process share. Each benchmark uses a
//! part of it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Resident set size of process `pid` in MiB (`VmRSS`), or `None` once it is gone.
pub fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse::<f64>()
        .ok()?;
    Some(kib / 1024.0)
}

/// A port on loopback nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on loopback")
}

/// The setting `name` from the environment, or `default` when unset or unreadable.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The hub under test, as a child process.
pub struct Hub {
    pub child: Child,
    pub url: String,
    pub log: PathBuf,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `binary` serving `database_url` (logs in `dir/hub.log`, no rate limits,
/// hour-long tokens) and waits until it is ready.
pub async fn start_hub(binary: &Path, database_url: &str, dir: &Path) -> Hub {
    start_hub_with(binary, database_url, dir, &[]).await
}

/// [`start_hub`] with more settings in the environment.
pub async fn start_hub_with(
    binary: &Path,
    database_url: &str,
    dir: &Path,
    env: &[(&str, &str)],
) -> Hub {
    let port = free_port();
    let log = dir.join("hub.log");
    let child = Command::new(binary)
        .envs(env.iter().copied())
        .args(["serve", "--database-url", database_url])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--signing-key-path")
        .arg(dir.join("keys.json"))
        .env("KNOTENPUNKT_RATE_LIMIT_POINTS_PER_MINUTE", "0")
        .env("KNOTENPUNKT_RATE_LIMIT_ANONYMOUS_POINTS_PER_MINUTE", "0")
        .env("KNOTENPUNKT_TOKEN_TTL_SECS", "3600")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("hub log"))
        .spawn()
        .expect("start the hub");
    let hub = Hub {
        child,
        url: format!("http://127.0.0.1:{port}"),
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let client = reqwest::Client::new();
    loop {
        if let Ok(r) = client.get(format!("{}/readyz", hub.url)).send().await
            && r.status().is_success()
        {
            return hub;
        }
        assert!(
            Instant::now() < deadline,
            "the hub did not become ready; see {}",
            hub.log.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `knotenpunkt_db_statements_total` of the hub.
pub async fn statements(url: &str) -> u64 {
    let text = match reqwest::get(format!("{url}/metrics")).await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    text.lines()
        .find(|l| l.starts_with("knotenpunkt_db_statements_total"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0) as u64
}

/// CPU time (user + system) a process has used so far.
pub fn cpu_of(pid: u32) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_micros(ticks * 1_000_000 / hz)
}

/// The median of `xs` (0 for none).
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(0.0)
}

/// An access token from the hub's `/oauth/token` for a client (client credentials).
pub async fn token(url: &str, client_id: &str, secret: &str) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/oauth/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token endpoint")
        .json()
        .await
        .expect("token JSON");
    answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token: {answer}"))
        .to_owned()
}
