"""Read a JSON values file into nodes: JSON's own types, numbers with their source text, lines kept.

The standard library's C scanner reports no positions, so the pure-Python one is used with its
object and array parsers wrapped to note the line each starts on (a values file is small enough).
"""

import bisect
import json
import json.decoder
import json.scanner

from .errors import ValuesError
from .nodes import Map, Scalar, Seq


class _Int(str):
    """A JSON integer's source text."""


class _Float(str):
    """A JSON number's source text when it has a fraction or exponent."""


def load(path, text):
    """The file's JSON value as nodes."""
    decoder = _Decoder(path, text)
    try:
        value, end = decoder.scan_once(text, _skip_space(text, 0))
    except StopIteration as exc:
        raise ValuesError(path, decoder.line_at(exc.value), "not valid JSON: expected a value here") from None
    except json.JSONDecodeError as exc:
        raise ValuesError(path, exc.lineno, f"not valid JSON: {exc.msg}: fix the file there") from None
    except RecursionError:
        raise ValuesError(path, None, "nested too deeply to be a values file: flatten it") from None
    end = _skip_space(text, end)
    if end != len(text):
        raise ValuesError(path, decoder.line_at(end), "not valid JSON: more text after the value: remove it")
    return decoder.node(value, 1)


def _skip_space(text, index):
    return json.decoder.WHITESPACE.match(text, index).end()


class _Decoder(json.JSONDecoder):
    """The standard decoder, told to note where each object and array starts."""

    def __init__(self, path, text):
        super().__init__(object_pairs_hook=list, parse_int=_Int, parse_float=_Float,
                         parse_constant=self._constant)
        self.path, self.starts = path, [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        self.parse_object, self.parse_array = self._object, self._array
        self.scan_once = json.scanner.py_make_scanner(self)

    def line_at(self, index):
        """The 1-based line of a character index."""
        return bisect.bisect_right(self.starts, index)

    def _object(self, s_and_end, *args):
        line = self.line_at(s_and_end[1] - 1)
        pairs, end = json.decoder.JSONObject(s_and_end, *args)
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise ValuesError(self.path, line, f"the key {key!r} appears twice in the object of this line: "
                                  "keep one")
            seen.add(key)
        return Map([(Scalar(k, k, line), self.node(v, line)) for k, v in pairs], line), end

    def _array(self, s_and_end, scan_once):
        line = self.line_at(s_and_end[1] - 1)
        items, end = json.decoder.JSONArray(s_and_end, scan_once)
        return Seq([self.node(item, line) for item in items], line), end

    def _constant(self, name):
        raise ValuesError(self.path, None, f"{name} is not JSON: write it as a string (\"{name.lower()}\")")

    @staticmethod
    def node(value, line):
        """A scalar as a Scalar on ``line``; an object or array is a node already."""
        if isinstance(value, (Map, Seq)):
            return value
        if value is None or isinstance(value, bool):
            return Scalar({None: "", True: "true", False: "false"}[value], value, line)
        if isinstance(value, _Int):
            return Scalar(str(value), int(value), line)
        if isinstance(value, _Float):
            return Scalar(str(value), float(value), line)
        return Scalar(value, value, line)
