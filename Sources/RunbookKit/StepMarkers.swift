/// The inline markers of one line of step text, and the text left once they are taken out.
struct StepMarkers {
    var text = ""
    var owners: [String] = []
    /// The raw spelling, kept for messages; seconds is nil when it does not parse.
    var timeboxes: [(raw: String, seconds: Int?)] = []
    var milestones: [String] = []
    var anchors: [String] = []
    var problems: [String] = []

    static let maxScalars = 4000

    /// Scans outside inline code spans only, so `` `ssh admin@<host>` `` or a `[milestone: x]` quoted in a
    /// command is never mistaken for a marker. Works on Unicode scalars: every marker is ASCII or ⏱, and
    /// scalars are far cheaper than Characters, which the fuzz test's thousands of parses notice.
    static func scan(_ line: Substring) -> StepMarkers {
        var m = StepMarkers()
        let chars = Array(line.unicodeScalars)
        let n = chars.count
        // Most lines carry no marker at all.
        if !chars.contains(where: { $0 == "`" || $0 == "@" || $0 == "(" || $0 == "[" || $0 == "{" || $0.value == 0x23F1 }) {
            m.text = String(line).trimmingSpaces
            return m
        }
        // Runbook lines are short; a megabyte-long line would make the closer searches below quadratic.
        guard n <= maxScalars else {
            m.problems.append("line is too long (over \(maxScalars) characters)")
            m.text = String(line).trimmingSpaces
            return m
        }
        var out = String.UnicodeScalarView()
        var i = 0
        // Punctuation left dangling by a marker at the end ("Stop the canary, @sre") goes; a comma that ends a
        // wrapped line of plain text stays.
        var endsWithMarker = false

        func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" }
        func isWordASCII(_ c: Unicode.Scalar) -> Bool {
            switch c.value {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
            default: false
            }
        }
        func starts(_ prefix: String, at i: Int) -> Bool {
            var k = i
            for p in prefix.unicodeScalars {
                guard k < n else { return false }
                var c = chars[k]
                if c.value >= 0x41, c.value <= 0x5A { c = Unicode.Scalar(c.value + 0x20)! }
                guard c == p else { return false }
                k += 1
            }
            return true
        }
        // Once a closer is missing from some point on, it is missing from every later point too.
        var missingFrom: [Unicode.Scalar: Int] = [:]
        func find(_ c: Unicode.Scalar, from i: Int) -> Int? {
            if let missing = missingFrom[c], missing <= i { return nil }
            var k = i
            while k < n {
                if chars[k] == c { return k }
                k += 1
            }
            missingFrom[c] = i
            return nil
        }
        func text(_ range: Range<Int>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: chars[range])
            return String(view)
        }
        // A removed marker takes one neighbouring space with it, so "Stop @sre now" reads "Stop now".
        func removed(upTo next: Int) -> Int {
            endsWithMarker = true
            var k = next
            if out.isEmpty || isBlank(out.last!) {
                while k < n, isBlank(chars[k]) { k += 1 }
            }
            return k
        }
        func keep(_ c: Unicode.Scalar) {
            out.append(c)
            if !isBlank(c) { endsWithMarker = false }
        }

        while i < n {
            let c = chars[i]
            if c == "`" {
                var run = 0
                while i + run < n, chars[i + run] == "`" { run += 1 }
                var j = i + run
                var close: Int?
                while j < n {
                    if chars[j] == "`" {
                        var r = 0
                        while j + r < n, chars[j + r] == "`" { r += 1 }
                        if r == run { close = j; break }
                        j += r
                    } else {
                        j += 1
                    }
                }
                let end = close.map { $0 + run } ?? i + run
                for k in i..<end { keep(chars[k]) }
                i = end
                continue
            }
            if c.value == 0x23F1 {  // ⏱, with or without the emoji variation selector
                var j = i + 1
                if j < n, chars[j].value == 0xFE0F { j += 1 }
                while j < n, isBlank(chars[j]) { j += 1 }
                var k = j
                while k < n, isWordASCII(chars[k]) || chars[k] == "." || chars[k] == ":" { k += 1 }
                while k > j, chars[k - 1] == "." || chars[k - 1] == ":" { k -= 1 }
                let raw = text(j..<k)
                m.timeboxes.append((raw, DurationSyntax.seconds(raw)))
                i = removed(upTo: k)
                continue
            }
            if c == "(", starts("(timebox:", at: i) {
                guard let close = find(")", from: i) else {
                    m.problems.append("malformed timebox marker: write (timebox: 5m)")
                    keep(c)
                    i += 1
                    continue
                }
                let raw = text((i + 9)..<close).trimmingSpaces
                m.timeboxes.append((raw, DurationSyntax.seconds(raw)))
                i = removed(upTo: close + 1)
                continue
            }
            if c == "[", starts("[milestone:", at: i) {
                guard let close = find("]", from: i) else {
                    m.problems.append("malformed milestone marker: write [milestone: name]")
                    keep(c)
                    i += 1
                    continue
                }
                m.milestones.append(text((i + 11)..<close).trimmingSpaces)
                i = removed(upTo: close + 1)
                continue
            }
            if c == "{", i + 1 < n, chars[i + 1] == "#", let close = find("}", from: i) {
                m.anchors.append(text((i + 2)..<close).trimmingSpaces)
                i = removed(upTo: close + 1)
                continue
            }
            if c == "@", i == 0 || isBlank(chars[i - 1]) || chars[i - 1] == "(",
               i + 1 < n, isWordASCII(chars[i + 1]), !(0x30...0x39).contains(chars[i + 1].value) {
                var k = i + 1
                while k < n, isWordASCII(chars[k]) || chars[k] == "_" || chars[k] == "-" { k += 1 }
                m.owners.append(text((i + 1)..<k))
                i = removed(upTo: k)
                continue
            }
            keep(c)
            i += 1
        }
        let result = String(out).trimmingSpaces
        m.text = endsWithMarker ? result.trimmingTrailing(" \t—–,;") : result
        return m
    }
}

/// Timeboxes and targets: `30s`, `5m`, `2h`, `1h30m`, each unit at most once, largest first.
enum DurationSyntax {
    /// Seconds, 0 for a zero duration, nil when malformed.
    static func seconds(_ text: String) -> Int? {
        let chars = Array(text)
        guard !chars.isEmpty else { return nil }
        var i = 0
        var total = 0
        var lastUnit = Int.max
        while i < chars.count {
            var digits = 0
            var value = 0
            while i < chars.count, chars[i].isASCII, let d = chars[i].wholeNumberValue {
                // Six digits is already two weeks of minutes; more can only be a typo, and must not overflow.
                guard digits < 6 else { return nil }
                value = value * 10 + d
                digits += 1
                i += 1
            }
            guard digits > 0, i < chars.count else { return nil }
            let unit: Int
            switch chars[i] {
            case "h": unit = 3600
            case "m": unit = 60
            case "s": unit = 1
            default: return nil
            }
            guard unit < lastUnit else { return nil }
            lastUnit = unit
            total += value * unit
            i += 1
        }
        return total
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }

    func trimmingTrailing(_ set: String) -> String {
        var s = Substring(self)
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
