#!/usr/bin/env python3
# The build-time half of STYLE.md R8 for kaoping's HTML (Fossil's codecheck1 idea): every
# html_printf call in the files given must have
#   - a format that is a string literal (after the preprocessor: macros of literals are fine),
#   - as many arguments as the format has conversions, and only conversions html.c knows,
#   - for each plain %s, an argument that is a string literal, or a chain of conditionals
#     whose every result is one ("a ? \"x\" : \"y\""): raw %s is for markup the code wrote.
# And html.c (the bulletin) must not write its output buffer any other way (buf_puts(p, ...)).
# usage: check_html_printf.py CFLAGS... -- FILE.c...   prints each problem, then "ok" or
# "N problems"; exit status 1 when there is any.
import re, subprocess, sys

CONV = re.compile(r'%([-+ #0]*)(\d*)(?:\.(\d+))?(z|l{1,2})?([a-zA-Z%])')
KNOWN = set('htjsdiuxXcfeEgGF%')
LIT = r'"(?:[^"\\]|\\.)*"'
LIT_CHAIN = re.compile(r'^\s*(?:' + LIT + r'\s*)+$')
TERNARY = re.compile(r'^[^"?:]+\?\s*((?:' + LIT + r'\s*)+):\s*(.+)$', re.S)


def split_args(text, start):
    """Arguments of the call whose '(' is at text[start]; returns (args, end)."""
    depth, i, cur, args = 0, start, [], []
    while i < len(text):
        c = text[i]
        if c in '"\'':
            j = i + 1
            while text[j] != c:
                j += 2 if text[j] == '\\' else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c in '([{':
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c in ')]}':
            depth -= 1
            if depth == 0:
                args.append(''.join(cur).strip())
                return args, i
        elif c == ',' and depth == 1:
            args.append(''.join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    raise ValueError('unbalanced call')


def literal_only(expr):
    """A literal, or cond ? literal : (literal-only expr)."""
    expr = expr.strip()
    while expr.startswith('(') and expr.endswith(')'):
        expr = expr[1:-1].strip()
    if LIT_CHAIN.match(expr):
        return True
    m = TERNARY.match(expr)
    return bool(m) and literal_only(m.group(2))


def decode(lits):
    return ''.join(re.findall(LIT, lits)).replace('"', '').replace('\\\\', '\x00')


def check(path, cflags):
    problems = []
    text = subprocess.run(['gcc', '-E', '-P'] + cflags + [path], capture_output=True,
                          text=True, check=True).stdout
    for m in re.finditer(r'\bhtml_printf\s*\(', text):
        before = text[max(0, m.start() - 30):m.start()]
        if re.search(r'\bvoid\s*$', before):
            continue  # the declaration or definition
        args, _ = split_args(text, m.end() - 1)
        where = '%s: html_printf(%s, %s...)' % (path, args[0], args[1][:50] if len(args) > 1 else '')
        if len(args) < 2 or not LIT_CHAIN.match(args[1]):
            problems.append(where + ': the format is not a string literal')
            continue
        fmt = decode(args[1])
        convs = [c for c in CONV.finditer(fmt)]
        if fmt.count('%') != sum(2 if c.group(5) == '%' else 1 for c in convs):
            problems.append(where + ': a % that starts no conversion')
        used = [c for c in convs if c.group(5) != '%']
        for c in used:
            if c.group(5) not in KNOWN:
                problems.append(where + ': unknown conversion %' + c.group(5))
        if len(used) != len(args) - 2:
            problems.append(where + ': %d conversions, %d arguments' % (len(used), len(args) - 2))
            continue
        for c, a in zip(used, args[2:]):
            if c.group(5) == 's' and not literal_only(a):
                problems.append(where + ': %s takes a non-literal argument: ' + a[:60])
    return problems


def main():
    sep = sys.argv.index('--')
    cflags, files = sys.argv[1:sep], sys.argv[sep + 1:]
    problems = []
    for f in files:
        problems += check(f, cflags)
        if f.endswith('report/html.c'):
            src = open(f, encoding='utf-8').read()
            for m in re.finditer(r'\bbuf_(?:puts|printf|append|putc|vprintf)\s*\(\s*p\s*,', src):
                line = src.count('\n', 0, m.start()) + 1
                problems.append('%s:%d: writes the HTML output without html_printf' % (f, line))
    for p in problems:
        print(p)
    print('ok' if not problems else '%d problems' % len(problems))
    return 1 if problems else 0


sys.exit(main())
