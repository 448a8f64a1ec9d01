//! Process CPU time, for timing comparisons that stay meaningful on a shared machine.
//!
//! Wall-clock time counts whatever else runs on the machine; the CPU time this process spent
//! (user + system, summed over all its threads, so rayon workers included) does not, and the
//! ratio of two such times measured in one run is what the experiments report.

/// CPU seconds (user + system) used so far by this process, all threads; `None` if the OS
/// does not report it (non-Unix targets or a failing `getrusage`).
pub fn process_cpu_seconds() -> Option<f64> {
    #[cfg(unix)]
    {
        let mut u = std::mem::MaybeUninit::<libc::rusage>::uninit();
        // SAFETY: `getrusage` only writes the struct we pass; it is read only on success.
        let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, u.as_mut_ptr()) };
        if rc != 0 {
            return None;
        }
        // SAFETY: rc == 0 means the kernel filled the struct.
        let u = unsafe { u.assume_init() };
        let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
        Some(secs(u.ru_utime) + secs(u.ru_stime))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Times a closure: its result, CPU seconds of this process ([`process_cpu_seconds`]; NaN if
/// unavailable) and wall seconds.
pub fn timed<R>(f: impl FnOnce() -> R) -> (R, f64, f64) {
    let c0 = process_cpu_seconds();
    let w0 = std::time::Instant::now();
    let r = f();
    let wall = w0.elapsed().as_secs_f64();
    let cpu = match (c0, process_cpu_seconds()) {
        (Some(a), Some(b)) => b - a,
        _ => f64::NAN,
    };
    (r, cpu, wall)
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn busy_loop_costs_cpu_time() {
        let (x, cpu, wall) =
            super::timed(|| (0..20_000_000u64).fold(0u64, |a, i| a ^ i.wrapping_mul(0x9e37)));
        assert!(x != 1 && cpu > 0.0 && wall > 0.0, "{cpu} {wall}");
    }
}
