#!/usr/bin/env python3
"""Lists Rust functions by length (every line from `fn` to the closing brace: stricter than
clippy's too_many_lines, which skips blank and comment lines and the signature) and source files by line count, to check issue 32's limits:
no function over 250 lines, at most 8 over 150 outside the fakes and tests, no file over 1,000.

    python3 scripts/fn_lengths.py [--min 150] [--check]

`--check` exits non-zero when a limit is exceeded (CI runs it).
"""
import os, re, sys

FN = re.compile(r'^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+"[^"]*"\s+)?fn\s+(\w+)')

def strip(line, state):
    """Removes comments and string contents from one line; state carries block comments and raw/plain strings across lines."""
    out = []
    i = 0
    while i < len(line):
        if state['block']:
            j = line.find('*/', i)
            if j < 0:
                return ''.join(out)
            state['block'] -= 1
            i = j + 2
            continue
        if state['str']:
            end = state['str']
            if end == '"':
                if line[i] == '\\':
                    i += 2
                    continue
                if line[i] == '"':
                    state['str'] = None
                i += 1
                continue
            j = line.find(end, i)
            if j < 0:
                return ''.join(out)
            state['str'] = None
            i = j + len(end)
            continue
        c = line[i]
        if line.startswith('//', i):
            break
        if line.startswith('/*', i):
            state['block'] += 1
            i += 2
            continue
        m = re.match(r'b?r(#*)"', line[i:])
        if m and (i == 0 or not (line[i-1].isalnum() or line[i-1] == '_')):
            state['str'] = '"' + m.group(1)
            if not m.group(1):
                state['str'] = '"'  # r"..." has no escapes but ends at the first quote
                # treat as raw: find closing quote
                j = line.find('"', i + len(m.group(0)))
                if j < 0:
                    state['str'] = 'RAW"'
                    return ''.join(out)
                state['str'] = None
                out.append('""')
                i = j + 1
                continue
            i += len(m.group(0))
            out.append('""')
            continue
        if c == '"':
            state['str'] = '"'
            out.append('""')
            i += 1
            continue
        if c == "'":
            m = re.match(r"'(\\.|[^\\'])'", line[i:]) or re.match(r"'\\u\{[0-9a-fA-F]+\}'", line[i:]) or re.match(r"'\\x[0-9a-fA-F]{2}'", line[i:])
            if m:
                i += len(m.group(0))
                out.append("' '")
                continue
        out.append(c)
        i += 1
    return ''.join(out)

def functions(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    state = {'block': 0, 'str': None}
    code = []
    for l in lines:
        if state['str'] == 'RAW"':
            j = l.find('"')
            if j < 0:
                code.append('')
                continue
            state['str'] = None
            l = l[j+1:]
        code.append(strip(l, state))
    res = []
    for i, l in enumerate(code):
        m = FN.match(l)
        if not m:
            continue
        depth = 0
        started = False
        n = 0
        for j in range(i, len(code)):
            c = code[j]
            if not started and ';' in c and '{' not in c:
                break
            # Every line from `fn` to the closing brace, signature included (stricter than
            # clippy, which counts the body's lines that are not blank or a comment).
            n += 1
            for ch in c:
                if ch == '{':
                    depth += 1
                    started = True
                elif ch == '}':
                    depth -= 1
            if started and depth <= 0:
                res.append((n, m.group(7), i + 1))
                break
    return res

def main():
    lo = 150
    if '--min' in sys.argv:
        lo = int(sys.argv[sys.argv.index('--min') + 1])
    rows, files = [], []
    for root, _, names in os.walk('crates'):
        for f in names:
            if not f.endswith('.rs'):
                continue
            p = os.path.join(root, f)
            files.append((sum(1 for _ in open(p, encoding='utf-8')), p))
            for n, name, line in functions(p):
                if n > lo:
                    rows.append((n, f'{p}:{line} {name}'))
    excluded = lambda s: '/tests/' in s or 'darkroom-fakes' in s
    rows.sort(reverse=True)
    for n, s in rows:
        print(f'{n:5} {s}{"  (fakes/tests)" if excluded(s) else ""}')
    inside = [r for r in rows if not excluded(r[1])]
    print(f'functions over {lo} outside fakes and tests: {len(inside)}; over 250: {sum(1 for n, _ in inside if n > 250)}')
    big = sorted(((n, p) for n, p in files if n > 1000), reverse=True)
    for n, p in big:
        print(f'file {n:5} {p}{"  (fakes/tests)" if excluded(p) else ""}')
    if '--check' in sys.argv:
        over = sum(1 for n, _ in inside if n > 250)
        problems = []
        if over:
            problems.append(f'{over} function(s) over 250 lines')
        if len(inside) > 8:
            problems.append(f'{len(inside)} functions over 150 lines (at most 8)')
        if big:
            problems.append(f'{len(big)} source file(s) over 1,000 lines')
        if problems:
            sys.exit('size limits exceeded: ' + '; '.join(problems))

main()
