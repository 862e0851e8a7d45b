import Foundation

// Python's datetime.strftime for `strftime_now`, in the C locale (English names), for the
// conversions chat templates use. Llama 3.2 calls strftime_now("%d %b %Y").

private let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
private let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                      "October", "November", "December"]

/// Formats `date` in `timeZone`. Supports %a %A %b %B %d %e %H %I %j %m %M %p %S %y %Y %%, and
/// glibc's `%-d` style (no padding); %Z and %z are empty, as for Python's naive datetime; any other
/// conversion is written as is.
func strftime(_ format: String, _ date: Date, _ timeZone: TimeZone) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = timeZone
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
    let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
    let (year, month, day) = (c.year ?? 1970, c.month ?? 1, c.day ?? 1)
    let (hour, minute, second) = (c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    let weekday = weekdays[((c.weekday ?? 1) - 1) % 7]
    let monthName = months[(month - 1) % 12]
    var out = ""
    var chars = Array(format)[...]
    while let ch = chars.popFirst() {
        guard ch == "%", var code = chars.popFirst() else {
            out.append(ch)
            continue
        }
        var pad = true
        if code == "-", let next = chars.popFirst() {
            pad = false
            code = next
        }
        func num(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return pad ? String(repeating: "0", count: max(0, width - s.count)) + s : s
        }
        switch code {
        case "a": out += String(weekday.prefix(3))
        case "A": out += weekday
        case "b", "h": out += String(monthName.prefix(3))
        case "B": out += monthName
        case "d": out += num(day, 2)
        case "e": out += (day < 10 && pad ? " " : "") + String(day)
        case "H": out += num(hour, 2)
        case "I": out += num(hour % 12 == 0 ? 12 : hour % 12, 2)
        case "j": out += num(dayOfYear, 3)
        case "m": out += num(month, 2)
        case "M": out += num(minute, 2)
        case "p": out += hour < 12 ? "AM" : "PM"
        case "S": out += num(second, 2)
        case "y": out += num(year % 100, 2)
        case "Y": out += String(year)
        case "Z", "z": break  // transformers formats a naive datetime.now(), which has no zone
        case "%": out += "%"
        default: out += "%" + (pad ? "" : "-") + String(code)
        }
    }
    return out
}
