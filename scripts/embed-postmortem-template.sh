#!/bin/sh
# Regenerates Sources/Postmortem/DefaultTemplate.swift from templates/postmortem.md.mustache, so the binary
# carries the default template and `warroom postmortem` works from any directory.
# PostmortemTests checks that the two are identical; run this after editing the template.
set -eu
cd "$(dirname "$0")/.."
template=templates/postmortem.md.mustache
out=Sources/Postmortem/DefaultTemplate.swift
if grep -q '"""#' "$template"; then
    echo "$template: contains \"\"\"#, which cannot sit in a raw string literal" >&2
    exit 1
fi
{
    printf '// Generated from %s by scripts/embed-postmortem-template.sh; do not edit.\n' "$template"
    printf '// PostmortemTests checks that it matches the file.\n\n'
    printf '/// The default postmortem template, compiled in.\n'
    printf 'enum DefaultTemplate {\n'
    printf '    static let text = #"""\n'
    cat "$template"
    printf '\n"""#\n}\n'
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
