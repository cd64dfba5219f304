import Foundation

extension UUID {
    /// `uuidString.lowercased()` written straight from the bytes, with no formatter and no second
    /// string: the form PostgreSQL prints and the API shows. Bulk writes format millions.
    public var lowercasedString: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { output in
                let digits = UInt8(ascii: "0"), letters = UInt8(ascii: "a") - 10
                var position = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        output[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    let high = byte >> 4, low = byte & 0x0F
                    output[position] = high < 10 ? digits + high : letters + high
                    output[position + 1] = low < 10 ? digits + low : letters + low
                    position += 2
                }
                return position
            }
        }
    }
}
