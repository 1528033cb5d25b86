//! `cargo bench --bench memory`: the hub's resident memory, as an operator sees it.
//!
//! Runs the real `knotenpunkt serve` (release build) on a fresh SQLite file and prints
//! its resident set size (`VmRSS`):
//!
//! - idle right after `serve --demo` loaded the demo network, and after a restart on
//!   the same file;
//! - the peak under a 16-way read load on the catalogue (with the throughput);
//! - for each request bomb: the answer's status and code, the time it took, the peak
//!   while it was handled, and the memory once it was answered.
//!
//! Targets: idle after the demo load ≤ 60 MB, under load ≤ 100 MB, each bomb answered
//! within 1 s with less than 64 MB growth.

mod support;

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Resident set size of `pid` in MiB; NaN once the process is gone.
fn rss_mib(pid: u32) -> f64 {
    support::rss_mib(pid).unwrap_or(f64::NAN)
}

/// Samples the RSS of `pid` every 5 ms while `f` runs; returns `f`'s result and the peak.
async fn peak_during<T>(pid: u32, f: impl std::future::Future<Output = T>) -> (T, f64) {
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (done, peak) = (done.clone(), peak.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let kib = (rss_mib(pid) * 1024.0) as u64;
                peak.fetch_max(kib, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let out = f.await;
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    (out, peak.load(Ordering::Relaxed) as f64 / 1024.0)
}

struct Hub {
    child: Child,
    port: u16,
}

impl Hub {
    fn start(dir: &std::path::Path, demo: bool) -> Hub {
        let port = support::free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_knotenpunkt"));
        cmd.arg("serve")
            .arg(format!("--listen=127.0.0.1:{port}"))
            .arg(format!(
                "--database-url=sqlite://{}?mode=rwc",
                dir.join("memory.db").display()
            ))
            .arg(format!(
                "--signing-key-path={}",
                dir.join("keys.json").display()
            ))
            // One address sends the whole load: the per-address rate limit is off.
            .arg("--rate-limit-anonymous-points-per-minute=0")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if demo {
            cmd.arg("--demo");
        }
        let child = cmd.spawn().expect("start knotenpunkt serve");
        let hub = Hub { child, port };
        let deadline = Instant::now() + Duration::from_secs(120);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
            || ureq_health(port).is_none()
        {
            assert!(Instant::now() < deadline, "the hub did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        hub
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/graphql", self.port)
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET /healthz` with a plain blocking socket (the hub prints its demo clients before
/// it serves; health says it serves).
fn ureq_health(port: u16) -> Option<()> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.starts_with("HTTP/1.1 200").then_some(())
}

/// Posts a query; returns status, first error code and body size.
async fn post(client: &reqwest::Client, url: &str, query: &str) -> (u16, String, usize) {
    let response = client
        .post(url)
        .json(&json!({ "query": query }))
        .send()
        .await;
    match response {
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r.bytes().await.unwrap_or_default();
            let code = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| {
                    v["errors"][0]["extensions"]["code"]
                        .as_str()
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "-".into());
            (status, code, body.len())
        }
        Err(e) => (0, format!("transport error: {e}"), 0),
    }
}

fn region_chain(levels: usize) -> String {
    let mut inner = "code".to_owned();
    for i in 0..levels {
        inner = if i == 0 {
            format!("children {{ {inner} }}")
        } else {
            format!("children {{ parent {{ {inner} }} }}")
        };
    }
    format!(r#"{{ region(code: "DE-HE") {{ {inner} }} }}"#)
}

fn bombs() -> Vec<(&'static str, String)> {
    let mut fan_out = "{ ...F1 }".to_owned();
    for i in 1..=8 {
        let spreads = vec![format!("...F{}", i + 1); 8].join(" ");
        fan_out.push_str(&format!(" fragment F{i} on Query {{ {spreads} }}"));
    }
    fan_out.push_str(" fragment F9 on Query { __typename regions { code } }");
    let chain = r#"__type(name: "Node") { possibleTypes { interfaces { possibleTypes { interfaces { possibleTypes { interfaces { possibleTypes { name } } } } } } } }"#;
    let introspection = format!(
        "{{ {} }}",
        (0..20)
            .map(|i| format!("a{i}: {chain}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let repeated = format!(
        "{{ {} }}",
        vec!["courseRuns(first: 100) { nodes { id course { title } } }"; 2000].join(" ")
    );
    let wide_pages = "{ organisations(first: 100) { nodes { courses(first: 100) { nodes { runs(first: 100) { nodes { id } } } } } } }".to_owned();
    vec![
        ("region children × 5 (143 bytes)", region_chain(5)),
        ("fragment fan-out 8 × 8 (635 bytes)", fan_out),
        ("20 aliased possibleTypes chains", introspection),
        ("one field repeated 2,000 times", repeated),
        ("three nested pages of 100", wide_pages),
    ]
}

const LOAD_QUERIES: &[&str] = &[
    "{ courseRuns(first: 50) { nodes { startDate course { title provider { name region { code } } } } } }",
    "{ organisations(first: 20) { nodes { name } } }",
    "{ courses(first: 20) { nodes { title provider { courses(first: 5) { nodes { runs(first: 3) { nodes { id } } } } } } } }",
];

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("knotenpunkt-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let client = reqwest::Client::new();

    println!("resident memory of `knotenpunkt serve` (VmRSS, MiB)\n");
    let started = Instant::now();
    let hub = Hub::start(&dir, true);
    println!(
        "{:<44} {:>8.1}   (demo load and start: {:.1} s)",
        "idle after `serve --demo`",
        rss_mib(hub.pid()),
        started.elapsed().as_secs_f64()
    );
    drop(hub);
    let hub = Hub::start(&dir, false);
    println!(
        "{:<44} {:>8.1}",
        "idle after a restart on the same file",
        rss_mib(hub.pid())
    );

    // 16 clients, each sending the catalogue queries in turn for 10 s.
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicU64::new(0));
    let load = async {
        let mut tasks = Vec::new();
        for i in 0..16 {
            let (client, url, stop, served) =
                (client.clone(), hub.url(), stop.clone(), served.clone());
            tasks.push(tokio::spawn(async move {
                let mut n = i;
                while !stop.load(Ordering::Relaxed) {
                    let (status, _, _) = post(&client, &url, LOAD_QUERIES[n % 3]).await;
                    assert_eq!(status, 200);
                    served.fetch_add(1, Ordering::Relaxed);
                    n += 1;
                }
            }));
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.unwrap();
        }
    };
    let (_, peak) = peak_during(hub.pid(), load).await;
    println!(
        "{:<44} {:>8.1}   ({:.0} requests/s)",
        "peak under a 16-way read load",
        peak,
        served.load(Ordering::Relaxed) as f64 / 10.0
    );
    tokio::time::sleep(Duration::from_secs(11)).await;
    println!(
        "{:<44} {:>8.1}",
        "idle 11 s after the load",
        rss_mib(hub.pid())
    );

    println!(
        "\n{:<36} {:>6} {:<22} {:>9} {:>8} {:>8} {:>8}",
        "bomb", "status", "code", "body B", "time ms", "peak", "after"
    );
    for (name, query) in bombs() {
        let before = rss_mib(hub.pid());
        let started = Instant::now();
        let ((status, code, size), peak) =
            peak_during(hub.pid(), post(&client, &hub.url(), &query)).await;
        let took = started.elapsed();
        println!(
            "{name:<36} {status:>6} {code:<22} {size:>9} {:>8.1} {:>8.1} {:>8.1}   (+{:.1})",
            took.as_secs_f64() * 1e3,
            peak,
            rss_mib(hub.pid()),
            peak - before
        );
    }
    drop(hub);
    let _ = std::fs::remove_dir_all(&dir);
}
