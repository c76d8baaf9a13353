//! Number formatting shared by the policy's messages and the renderers, so a figure reads the
//! same everywhere: grouped digits, signed deltas, percentages with two decimals.

/// `1234567` → `1,234,567`.
pub fn group_digits(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// `+1,234`, `-56`, `0`.
pub fn signed_gas(delta: i128) -> String {
    let magnitude = group_digits(u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX));
    match delta.signum() {
        1 => format!("+{magnitude}"),
        -1 => format!("-{magnitude}"),
        _ => magnitude,
    }
}

/// `+1.50%`, `-0.03%`, `0.00%`.
pub fn signed_pct(pct: f64) -> String {
    let text = format!("{pct:+.2}%");
    // Rounding a tiny change to zero must not show a sign.
    if text == "+0.00%" || text == "-0.00%" { "0.00%".to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn signs() {
        assert_eq!(signed_gas(1234), "+1,234");
        assert_eq!(signed_gas(-5), "-5");
        assert_eq!(signed_gas(0), "0");
        assert_eq!(signed_pct(1.5), "+1.50%");
        assert_eq!(signed_pct(-0.001), "0.00%");
        assert_eq!(signed_pct(-12.346), "-12.35%");
    }
}
