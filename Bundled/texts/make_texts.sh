#!/usr/bin/env bash
# Rebuilds the two bundled texts from Debian's packages (run as root on Debian 12; needs network).
#   kjv.txt     the King James Version of the Bible (public domain), one verse per line, chapter
#               headings kept, verse numbers removed; from bible-kjv-text, read through bible-kjv.
#   jargon.txt  the lexicon of the Jargon File 4.4.7 (public domain by its author's statement),
#               one entry after another, the per-letter index lists and the 3-space indent removed;
#               from jargon-text.
set -euo pipefail
cd "$(dirname "$0")"
apt-get install -y --no-install-recommends bible-kjv bible-kjv-text jargon-text >/dev/null

COLUMNS=100000 bible -l100000 gen1:1-rev22:21 | sed -E 's/^ +[0-9]+ //' | cat -s | sed '1{/^$/d}' > kjv.txt

zcat /usr/share/doc/jargon-text/jargon.txt.gz | awk '
    /^   :/ { lexicon = 1; listing = 0 }             # an entry heading: ":word: pronunciation, part of speech"
    /^Appendix A\./ { exit }                         # the lexicon ends where the appendices start
    /^  [0-9A-Z]$/ { listing = 1 }                   # a letter heading starts an index list of entry names
    lexicon && !listing { sub(/^   /, ""); print }
' | cat -s > jargon.txt
wc -c kjv.txt jargon.txt
