import Foundation
import Testing
@testable import LoRAKitTokenizers

/// The tokenizer files' own JSON reader: exact keys and strings, clear errors.
@Suite("JSON reading")
struct JSONParserTests {
    static func parse(_ text: String) throws -> Any { try parseJSONFile(Array(text.utf8), path: "t.json") }

    @Test("values, escapes and surrogate pairs")
    func values() throws {
        let object = try #require(try Self.parse(#" {"a": [1, -2, 3.5, 1e2, true, false, null], "s": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x"} "#) as? JSONObject)
        #expect(object.pairs.map(\.key) == ["a", "s"])
        let list = try #require(object.dictionary["a"] as? [Any])
        #expect(list[0] as? Int == 1 && list[1] as? Int == -2 && list[2] as? Double == 3.5 && list[3] as? Double == 100)
        #expect(list[4] as? Bool == true && list[5] as? Bool == false && list[6] is JSONNull)
        let string = try #require(object.dictionary["s"] as? String)
        #expect(scalars(string) == scalars("q\"\\/\u{8}\u{C}\n\r\té😀\u{FFFD}x"))
    }

    /// Foundation's JSONSerialization drops a U+FEFF that starts a string, and its dictionaries
    /// merge keys that are canonically equivalent.
    @Test("a leading U+FEFF and canonically equivalent keys are kept")
    func exactness() throws {
        let object = try #require(try Self.parse("{\"\u{1F71}\": 1, \"\u{3AC}\": 2, \"b\": \"\u{FEFF}\"}") as? JSONObject)
        #expect(object.pairs.map { scalars($0.key) } == [["\u{1F71}"], ["\u{3AC}"], ["b"]])
        #expect((object.dictionary["b"] as? String).map(scalars) == ["\u{FEFF}"])
    }

    @Test("errors say what and where", arguments: [
        ("{\"a\": }", "unexpected character at byte 6"), ("[1, 2", "expected ',' or ']' at byte 5"), ("[1, ", "unexpected end of file at byte 4"),
        ("{\"a\" 1}", "expected ':' at byte 5"), ("\"abc", "unterminated string at byte 4"),
        ("[1] x", "extra text after the JSON value at byte 4"), ("\"\\q\"", "unknown escape at byte 3"),
    ])
    func errors(text: String, reason: String) {
        #expect(throws: TokenizerError(file: "t.json", component: "(file)", reason: "not valid JSON: \(reason)")) {
            try Self.parse(text)
        }
    }

    @Test("Llama 2 keeps tokens that differ only in their Unicode spelling, and the U+FEFF token")
    func llama2Spellings() throws {
        let llama2 = try Fixtures.tokenizer("llama2")
        // Greek with oxia (U+1F71...) and with tonos (U+03AC...): canonically equivalent, distinct tokens.
        let pairs: [(String, Int32, String, Int32)] = [
            ("\u{3AF}", 30207, "\u{1F77}", 30873), ("\u{3AC}", 30216, "\u{1F71}", 31042), ("\u{3CC}", 30228, "\u{1F79}", 31091),
            ("\u{3AD}", 30273, "\u{1F73}", 31059), ("\u{3AE}", 30280, "\u{1F75}", 31668), ("\u{3CD}", 30308, "\u{1F7B}", 31469),
        ]
        for (tonos, tonosID, oxia, oxiaID) in pairs {
            #expect(llama2.id(of: tonos) == tonosID)
            #expect(llama2.id(of: oxia) == oxiaID)
            #expect(llama2.token(of: oxiaID).map(scalars) == scalars(oxia))
        }
        #expect(llama2.id(of: "\u{FEFF}") == 30143)
    }
}
