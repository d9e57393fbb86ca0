//! When the next pass runs: every few minutes while all is well, sooner after a failure and then
//! less and less often, each delay jittered so that phones coming back online together (a whole
//! office reaching its Wi-Fi at once) do not all knock on the server in the same second.

use std::time::Duration;

/// Between passes while nothing fails: roster changes and reviews still arrive.
pub const IDLE: Duration = Duration::from_secs(5 * 60);
/// After the first failure; each further failure doubles it, up to [`IDLE`].
pub const FIRST_RETRY: Duration = Duration::from_secs(5);
/// Each delay is drawn from ±20 % around its nominal value.
const JITTER: f64 = 0.2;

/// The delay before the next pass after `failures` failed passes in a row; `random` is a uniform
/// draw from [0, 1).
pub fn next_delay(failures: u32, random: f64) -> Duration {
    let nominal = match failures {
        0 => IDLE,
        _ => {
            let factor = 1u32.checked_shl(failures - 1).unwrap_or(u32::MAX);
            FIRST_RETRY.saturating_mul(factor).min(IDLE)
        }
    };
    nominal.mul_f64(1.0 - JITTER + 2.0 * JITTER * random.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Equal to the millisecond: the timer cannot do better anyway.
    fn assert_close(found: Duration, expected: Duration) {
        let gap = found.abs_diff(expected);
        assert!(gap < Duration::from_millis(1), "{found:?} vs {expected:?}");
    }

    #[test]
    fn failures_double_the_delay_from_five_seconds_up_to_five_minutes() {
        let nominal = |failures| next_delay(failures, 0.5);
        assert_close(nominal(1), Duration::from_secs(5));
        assert_close(nominal(2), Duration::from_secs(10));
        assert_close(nominal(3), Duration::from_secs(20));
        assert_close(nominal(6), Duration::from_secs(160));
        assert_close(nominal(7), Duration::from_secs(300));
        assert_close(nominal(40), Duration::from_secs(300));
        assert_close(nominal(u32::MAX), Duration::from_secs(300));
    }

    #[test]
    fn an_idle_phone_syncs_every_five_minutes() {
        assert_close(next_delay(0, 0.5), IDLE);
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        for failures in 0..12 {
            let nominal = next_delay(failures, 0.5);
            assert_close(next_delay(failures, 0.0), nominal.mul_f64(0.8));
            assert_close(next_delay(failures, 1.0), nominal.mul_f64(1.2));
            for step in 0..=10 {
                let delay = next_delay(failures, f64::from(step) / 10.0);
                assert!(delay >= nominal.mul_f64(0.799), "{failures} {step}");
                assert!(delay <= nominal.mul_f64(1.201), "{failures} {step}");
            }
        }
        assert_close(next_delay(1, 0.0), Duration::from_secs(4));
        assert_close(next_delay(1, 1.0), Duration::from_secs(6));
        assert_close(next_delay(0, 1.0), Duration::from_secs(360));
        // Draws outside [0, 1) are clamped.
        assert_eq!(next_delay(1, -3.0), next_delay(1, 0.0));
        assert_eq!(next_delay(1, 7.0), next_delay(1, 1.0));
    }
}
