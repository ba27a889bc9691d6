import Foundation
import IncidentCore
import Mustache

/// A postmortem template checked against the known variables, ready to render.
public struct PostmortemTemplate: Sendable {
    /// Where it came from, for messages: a file path, or `built-in`.
    public let path: String
    private let template: MustacheTemplate

    /// Output is Markdown, not HTML: the pragma turns off swift-mustache's HTML escaping (the context makes text
    /// safe for Markdown instead). It sits on a line of its own, which Mustache drops, so line 1 of the user's
    /// text is line 2 of the parsed one.
    private static let pragma = "{{% CONTENT_TYPE: TEXT}}\n"

    /// Parses and validates `text`; every problem is reported as `path:line: message`.
    public init(text: String, path: String) throws(TemplateError) {
        self.path = path
        try TemplateValidator.validate(text, path: path, root: PostmortemVariables.root)
        do {
            template = try MustacheTemplate(string: Self.pragma + text)
        } catch let error as MustacheTemplate.ParserError {
            throw TemplateError(path: path, line: max(1, error.context.lineNumber - 1), message: Self.describe(error.error))
        } catch {
            throw TemplateError(path: path, line: 1, message: "cannot parse the template: \(error)")
        }
    }

    /// Reads and validates a template file.
    public init(contentsOf url: URL) throws(TemplateError) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw TemplateError(path: url.path, line: 1, message: "cannot read the template: \(Self.reason(error))")
        }
        try self.init(text: text, path: url.path)
    }

    /// The text of the built-in template, compiled in from `templates/postmortem.md.mustache`.
    public static var builtInText: String { DefaultTemplate.text }

    /// The template that ships with Warroom (`templates/postmortem.md.mustache`).
    public static let builtIn: PostmortemTemplate = {
        do {
            return try PostmortemTemplate(text: DefaultTemplate.text, path: "built-in")
        } catch {
            // A test renders the built-in template, so a broken one never ships.
            preconditionFailure("the built-in postmortem template is invalid: \(error)")
        }
    }()

    /// The document for `facts`, times shown in `timeZone`.
    public func render(_ facts: PostmortemFacts, timeZone: TimeZone) -> String {
        let context = PostmortemContext(facts: facts, timeZone: timeZone)
        return template.render(context.values())
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "cannot parse the template: \(error)" }
        switch error {
        case .sectionCloseNameIncorrect: return "a section is closed with a different name than it was opened with"
        case .unfinishedName: return "a tag is not finished, or a name holds characters Mustache does not allow"
        case .expectedSectionEnd: return "a section is never closed"
        case .invalidSetDelimiter: return "a delimiter change is written {{=<% %>=}}"
        case .transformAppliedToInheritanceSection, .illegalTokenInsideInheritSection, .textInsideInheritSection:
            return "partials and blocks are not supported"
        case .invalidConfigVariableSyntax: return "a pragma is written {{% CONTENT_TYPE: TEXT}}"
        case .unrecognisedConfigVariable: return "unknown pragma: only CONTENT_TYPE (TEXT or HTML) is known"
        }
    }

    private static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError || ns.code == 260 { return "no such file" }
        return ns.localizedDescription
    }
}
