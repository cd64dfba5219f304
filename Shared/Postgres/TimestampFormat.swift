import Foundation

/// Text form of `timestamptz` as the server prints it with `DateStyle=ISO` and `TimeZone=UTC`
/// (both set on every connection): `2024-05-01 10:20:30.123456+00`.
enum TimestampFormat {
    /// Formats with microsecond precision in UTC.
    static func format(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var totalSeconds = Int((micros / 1_000_000).rounded(.down))
        var fraction = Int(micros - Double(totalSeconds) * 1_000_000)
        if fraction >= 1_000_000 {
            totalSeconds += 1
            fraction -= 1_000_000
        }
        let days = Int((Double(totalSeconds) / 86_400).rounded(.down))
        let secondsOfDay = totalSeconds - days * 86_400
        let date = CalendarDate(daysSinceEpoch: days)
        let hour = secondsOfDay / 3600, minute = secondsOfDay % 3600 / 60, second = secondsOfDay % 60
        var text = "\(date) \(pad2(hour)):\(pad2(minute)):\(pad2(second))"
        if fraction > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: 6 - digits.count) + digits
        }
        return text + "+00"
    }

    /// Parses the server's ISO output, with any offset (`+00`, `+05:30`, `-03`); nil when malformed.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var index = 0
        func number(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for i in index..<(index + count) {
                let b = bytes[i]
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            index += count
            return value
        }
        func expect(_ char: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == char else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
            expect(32), let hour = number(2), expect(58), let minute = number(2), expect(58),
            let second = number(2), let calendar = CalendarDate(year: year, month: month, day: day)
        else { return nil }
        var micros = 0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 6 { micros = micros * 10 + Int(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offsetSeconds = 0
        if index < bytes.count {
            let sign: Int
            switch bytes[index] {
            case 43: sign = 1
            case 45: sign = -1
            default: return nil
            }
            index += 1
            guard let offsetHours = number(2) else { return nil }
            var offsetMinutes = 0, offsetSecs = 0
            if expect(58) {
                guard let m = number(2) else { return nil }
                offsetMinutes = m
                if expect(58) {
                    guard let s = number(2) else { return nil }
                    offsetSecs = s
                }
            }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60 + offsetSecs)
        }
        guard index == bytes.count else { return nil }
        let seconds = calendar.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    private static func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
