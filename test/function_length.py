#!/usr/bin/env python3
"""Prints the C++ functions longer than a limit (lines from the signature's brace to the closing
one), longest first, and exits 1 if there are any: functions that fit on a screen (issue 16).

A small scanner, not a parser: comments, string, character and raw string literals are blanked
first; then each '{' outside a function opens a function when the text before it (back to the
previous ';', '{' or '}') has a parameter list and is not a namespace, type or initialiser.
Usage: function_length.py LIMIT FILE..."""
import re
import sys

SCOPE = re.compile(r'^\s*(template\s*<[^>]*>\s*)?(namespace\b|extern\s+"C"|class\b|struct\b|union\b|enum\b)')


def blank(text):
    """The text with comments and literals replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
        elif c == 'R' and text.startswith('"', i + 1) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == '_')):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(')' + m.group(1) + '"', i)
            j = n if end < 0 else end + len(m.group(1)) + 2
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            j += 1
        else:
            out.append(c)
            i += 1
            continue
        out.append(re.sub(r'[^\n]', ' ', text[i:j]))
        i = j
    return ''.join(out)


def functions(path):
    text = blank(open(path, encoding='utf-8').read())
    stack = []  # 'scope', 'init', 'block' or ('function', name, first line)
    head_start = 0
    line = 1
    for i, c in enumerate(text):
        if c == '\n':
            line += 1
        elif c in ';}':
            if c == '}' and stack:
                top = stack.pop()
                if isinstance(top, tuple):
                    yield line - top[2] + 1, '%s:%d %s' % (path, top[2], top[1])
            head_start = i + 1
        elif c == '{':
            head = text[head_start:i]
            in_function = any(isinstance(s, tuple) or s == 'block' for s in stack)
            if in_function:
                stack.append('block')
            elif SCOPE.match(head):
                stack.append('scope')
            elif '(' in head and not re.search(r'=\s*$', head):
                name = re.search(r'([~\w:]+)\s*\(', head)
                first = line - (head[name.start():].count('\n') if name else 0)  # the signature's line
                stack.append(('function', name.group(1) if name else '?', first))
            else:
                stack.append('init')
            head_start = i + 1


def main():
    limit = int(sys.argv[1])
    long = sorted((f for path in sys.argv[2:] for f in functions(path) if f[0] > limit), reverse=True)
    for length, where in long:
        print('%d %s' % (length, where))
    sys.exit(1 if long else 0)


if __name__ == '__main__':
    main()
