#!/usr/bin/env python3
"""Check a Qt .ts file: every entry translated, same %-placeholders, tags, newlines and accelerators as the source."""
import re, sys, collections, xml.etree.ElementTree as ET
PH = re.compile(r'%(?:L?\d+|n)')
TAG = re.compile(r'</?[a-zA-Z]+>')
ACC = re.compile(r'&([^&\s])')
bad = 0; n_norm = 0; n_num = 0
for path in sys.argv[1:]:
    for c in ET.parse(path).getroot().iter('context'):
        ctx = c.find('name').text
        for m in c.iter('message'):
            src = m.find('source').text or ''
            t = m.find('translation')
            num = m.get('numerus') == 'yes'
            texts = [f.text or '' for f in t.findall('numerusform')] if num else [t.text or '']
            n_num += num; n_norm += not num
            probs = []
            if t.get('type') in ('unfinished', 'vanished', 'obsolete'):
                probs.append('type=' + t.get('type'))
            for tx in texts:
                if not tx.strip():
                    probs.append('empty'); continue
                if collections.Counter(PH.findall(src)) != collections.Counter(PH.findall(tx)):
                    probs.append('placeholders %s vs %s' % (sorted(PH.findall(src)), sorted(PH.findall(tx))))
                if sorted(TAG.findall(src)) != sorted(TAG.findall(tx)):
                    probs.append('tags')
                if src.count('\n') != tx.count('\n'):
                    probs.append('newlines')
                a = ACC.findall(src.replace('&&', ''))
                b = ACC.findall(tx.replace('&&', ''))
                if [x.upper() for x in a] != [x.upper() for x in b]:
                    probs.append('accelerator %s vs %s' % (a, b))
                if a and '(&%s)' % a[0].upper() not in tx:
                    probs.append('accelerator not in (&X) style')
            if probs:
                bad += 1
                print('%s: %r: %s' % (ctx, src, '; '.join(probs)))
print('%d normal + %d numerus entries, %d with problems' % (n_norm, n_num, bad))
sys.exit(1 if bad else 0)
