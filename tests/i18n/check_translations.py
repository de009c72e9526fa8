#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks that every shipped translation is complete for the current sources.

  check_translations.py --lupdate LUPDATE --root SRC_ROOT TS_FILE...

For each .ts file: copies it to a temporary folder, runs lupdate over ui/, app/ and
models/shares/ into the copy with the options the build uses (-locations none
-no-obsolete -I .; *_en.ts: -pluralonly, English needs its plural forms only) and
fails, naming the strings, when an entry is
  - missing: a source string that is not in the committed file (run
    `cmake --build build --target update_translations` and translate it),
  - stale: in the committed file but no longer in the sources,
  - unfinished: type="unfinished" or an empty translation,
  - a numerus entry whose forms are missing or empty,
  - a translation whose placeholders (%1..%99, %L1, %n) differ from the source's.
Exit status 0 when every file passes, 1 otherwise. The last line is
"N passed, N failed" (one per file).

  check_translations.py --self-test --lupdate LUPDATE --root SRC_ROOT TS_FILE
breaks a copy of TS_FILE in each of those ways and checks that the check
fails and names the broken string each time.
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

PLACEHOLDER = re.compile(r'%L?(\d{1,2}|n)')
SOURCE_DIRS = ['ui', 'app', 'models/shares']


def placeholders(text):
    return collections.Counter(m.group(1) for m in PLACEHOLDER.finditer(text or ''))


def messages(path):
    """(context, source, comment) -> <message> element, in file order."""
    out = {}
    for ctx in ET.parse(path).getroot().iter('context'):
        name = ctx.findtext('name')
        for msg in ctx.iter('message'):
            out[(name, msg.findtext('source'), msg.findtext('comment') or '')] = msg
    return out


def run_lupdate(lupdate, root, ts):
    args = [lupdate, '-locations', 'none', '-no-obsolete']
    if os.path.basename(ts).endswith('_en.ts'):
        args.append('-pluralonly')
    # Includes name their layer from the source root ("ui/common/Heading.h"):
    # lupdate must find them to see which namespace a class is in.
    args += ['-I', '.'] + SOURCE_DIRS + ['-ts', ts]
    r = subprocess.run(args, cwd=root, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError('lupdate failed on %s:\n%s%s' % (ts, r.stdout, r.stderr))


def problems(lupdate, root, ts):
    """The list of problems of one committed .ts file."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, os.path.basename(ts))
        shutil.copyfile(ts, copy)
        run_lupdate(lupdate, root, copy)
        committed = messages(ts)
        current = messages(copy)
    found = []
    for key in current:
        if key not in committed:
            found.append('missing (new in the sources): [%s] "%s"' % (key[0], key[1]))
    for key in committed:
        if key not in current:
            found.append('stale (no longer in the sources): [%s] "%s"' % (key[0], key[1]))
    for key, msg in current.items():
        ctx, source = key[0], key[1]
        if key not in committed:
            continue
        tr = msg.find('translation')
        if tr is None or tr.get('type') in ('unfinished', 'vanished', 'obsolete'):
            found.append('unfinished: [%s] "%s"' % (ctx, source))
            continue
        want = placeholders(source)
        if msg.get('numerus') == 'yes':
            forms = tr.findall('numerusform')
            if not forms or any(not (f.text or '').strip() for f in forms):
                found.append('numerus forms missing (%d given): [%s] "%s"'
                             % (sum(1 for f in forms if (f.text or '').strip()), ctx, source))
                continue
            texts = [f.text for f in forms]
        else:
            if not (tr.text or '').strip():
                found.append('unfinished (empty): [%s] "%s"' % (ctx, source))
                continue
            texts = [tr.text]
        for text in texts:
            got = placeholders(text)
            if got != want:
                found.append('placeholders %s instead of %s: [%s] "%s" -> "%s"'
                             % (sorted(got.elements()), sorted(want.elements()), ctx, source, text))
    return found


def check(lupdate, root, files):
    passed = failed = 0
    for ts in files:
        found = problems(lupdate, root, ts)
        name = os.path.basename(ts)
        if found:
            failed += 1
            print('FAIL %s: %d problem(s)' % (name, len(found)))
            for p in found:
                print('  ' + p)
        else:
            passed += 1
            print('ok   %s: %d entries' % (name, len(messages(ts))))
    print('%d passed, %d failed' % (passed, failed))
    return failed == 0


def self_test(lupdate, root, ts):
    """Breaks copies of `ts` and requires check() to fail naming the entry."""
    tree_text = open(ts, encoding='utf-8').read()
    msgs = messages(ts)
    # An entry with a placeholder, a plain one where the file has one (English: plurals only).
    with_placeholder = [k for k in msgs if placeholders(k[1])]
    plain = next((k for k in with_placeholder if msgs[k].get('numerus') != 'yes'), with_placeholder[0])
    numerus = next((k for k, m in msgs.items() if m.get('numerus') == 'yes'), None)
    ok = True

    def expect_failure(what, text, needle):
        nonlocal ok
        with tempfile.TemporaryDirectory() as tmp:
            broken = os.path.join(tmp, os.path.basename(ts))
            with open(broken, 'w', encoding='utf-8') as f:
                f.write(text)
            found = problems(lupdate, root, broken)
        hit = [p for p in found if needle in p]
        print('%s self-test %s: %s' % ('ok  ' if hit else 'FAIL', what, hit[0] if hit else found))
        ok = ok and bool(hit)

    def edit(key, change):
        """The file text with the <message> of `key` changed by change(element)."""
        tree = ET.ElementTree(ET.fromstring(tree_text))
        for ctx in tree.getroot().iter('context'):
            if ctx.findtext('name') != key[0]:
                continue
            for msg in ctx.iter('message'):
                if msg.findtext('source') == key[1]:
                    change(msg)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(tree.getroot(), encoding='unicode')

    def unfinish(msg):
        tr = msg.find('translation')
        tr.set('type', 'unfinished')
    expect_failure('unfinished entry', edit(plain, unfinish), 'unfinished: [%s] "%s"' % plain[:2])

    tree = ET.ElementTree(ET.fromstring(tree_text))
    for ctx in tree.getroot().iter('context'):
        if ctx.findtext('name') == plain[0]:
            for msg in list(ctx.iter('message')):
                if msg.findtext('source') == plain[1]:
                    ctx.remove(msg)
    expect_failure('missing entry', ET.tostring(tree.getroot(), encoding='unicode'),
                   'missing (new in the sources): [%s] "%s"' % plain[:2])

    def lose_placeholder(msg):
        tr = msg.find('translation')
        for t in tr.findall('numerusform') or [tr]:
            t.text = PLACEHOLDER.sub('', t.text or '', count=1) or 'x'
    expect_failure('placeholder lost', edit(plain, lose_placeholder), 'placeholders')

    if numerus:
        def empty_form(msg):
            msg.find('translation').findall('numerusform')[-1].text = ''
        expect_failure('numerus form empty', edit(numerus, empty_form),
                       'numerus forms missing (%d given)' % (len(msgs[numerus].find('translation').findall('numerusform')) - 1))
    print('self-test %s' % ('passed' if ok else 'FAILED'))
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lupdate', required=True)
    ap.add_argument('--root', required=True, help='the source tree (holds ui/, app/ and models/shares/)')
    ap.add_argument('--self-test', action='store_true')
    ap.add_argument('ts', nargs='+')
    a = ap.parse_args()
    if a.self_test:
        return 0 if all(self_test(a.lupdate, a.root, ts) for ts in a.ts) else 1
    return 0 if check(a.lupdate, a.root, a.ts) else 1


if __name__ == '__main__':
    sys.exit(main())
