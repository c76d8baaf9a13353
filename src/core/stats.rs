//! Summary statistics over gas samples. Integer arithmetic only, so a report never depends on
//! floating-point rounding.

use serde::{Deserialize, Serialize};

/// Statistics of one function's gas over all its calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    pub calls: u64,
    pub min: u64,
    /// Arithmetic mean, rounded half up.
    pub mean: u64,
    /// Median; for an even count the mean of the two middle values, rounded half up.
    pub median: u64,
    pub max: u64,
}

impl Stats {
    /// `None` for no samples.
    pub fn from_samples(samples: &[u64]) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let count = sorted.len();
        let sum: u128 = sorted.iter().map(|&gas| u128::from(gas)).sum();
        let mean = rounded_div(sum, count as u128);
        let median = if count % 2 == 1 {
            sorted[count / 2]
        } else {
            rounded_div(u128::from(sorted[count / 2 - 1]) + u128::from(sorted[count / 2]), 2)
        };
        Some(Self { calls: count as u64, min: sorted[0], mean, median, max: sorted[count - 1] })
    }
}

/// `numerator / denominator` rounded half up. The result of averaging u64 values fits in u64.
fn rounded_div(numerator: u128, denominator: u128) -> u64 {
    ((numerator + denominator / 2) / denominator) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_has_no_stats() {
        assert_eq!(Stats::from_samples(&[]), None);
    }

    #[test]
    fn odd_and_even_counts() {
        let odd = Stats::from_samples(&[30, 10, 20]).unwrap();
        assert_eq!(odd, Stats { calls: 3, min: 10, mean: 20, median: 20, max: 30 });
        let even = Stats::from_samples(&[1, 2, 4, 10]).unwrap();
        // mean 17/4 = 4.25 -> 4; median (2 + 4) / 2 = 3
        assert_eq!(even, Stats { calls: 4, min: 1, mean: 4, median: 3, max: 10 });
        let half = Stats::from_samples(&[1, 2]).unwrap();
        // 1.5 rounds half up to 2
        assert_eq!((half.mean, half.median), (2, 2));
    }

    #[test]
    fn large_values_do_not_overflow() {
        let stats = Stats::from_samples(&[u64::MAX, u64::MAX]).unwrap();
        assert_eq!(stats.mean, u64::MAX);
        assert_eq!(stats.median, u64::MAX);
    }
}
