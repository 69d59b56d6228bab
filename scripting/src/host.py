# Coil's host-side Python helpers. Runs once at start-up, outside the sandbox, in a
# namespace that scripts never see. Only the objects the Rust side picks out of it
# (the compiler, the exception and status types) are used later.
import ast
import types


class _TopLevel(ast.NodeVisitor):
    """Finds statements a script body may not contain at its top level."""

    def visit_FunctionDef(self, node):
        pass

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def _bad(self, node, what):
        err = SyntaxError("'%s' is not allowed at the top level of a script" % what)
        err.lineno = node.lineno
        raise err

    def visit_Global(self, node):
        self._bad(node, "global")

    def visit_Nonlocal(self, node):
        self._bad(node, "nonlocal")

    def visit_Yield(self, node):
        self._bad(node, "yield")

    def visit_YieldFrom(self, node):
        self._bad(node, "yield")


def compile_script(source, filename, params):
    """Compiles a script body as the body of a function taking `params`; returns the
    function's code object. Line numbers stay the user's own."""
    tree = ast.parse(source, filename=filename)
    checker = _TopLevel()
    for stmt in tree.body:
        checker.visit(stmt)
    args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params],
                         vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                         defaults=[])
    fn = ast.FunctionDef(name=filename, args=args, body=tree.body or [ast.Pass()],
                         decorator_list=[], returns=None, type_comment=None)
    fn.lineno = 1
    fn.col_offset = 0
    mod = ast.Module(body=[fn], type_ignores=[])
    ast.fix_missing_locations(mod)
    code = compile(mod, filename, "exec", dont_inherit=True, optimize=0)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            return c
    raise SyntaxError("no function")


def compile_library(source, filename):
    """Compiles a library body as module code."""
    return compile(source, filename, "exec", dont_inherit=True, optimize=0)


def make_function(code, globals_dict):
    return types.FunctionType(code, globals_dict, code.co_name)


def error_location(exc, filename):
    """The line of the innermost frame of user code in `exc`'s traceback."""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# The types scripts see as redis.Status, redis.Error and the kill exception. Defined in
# their own namespace (see engine.rs) so their methods' globals hold nothing of ours.
TYPES_SOURCE = '''
class Status(str):
    """A status reply (+OK): a str that converts back to a status reply."""
    __slots__ = ()


class Error(Exception):
    """An error reply. str() is the full text ("WRONGTYPE Operation ..."); .code is the
    first word. A text without a code gets "ERR " in front, as in Redis."""

    def __init__(self, text=""):
        if not isinstance(text, str):
            text = str(text)
        if text.startswith("-"):
            text = text[1:]
        if " " not in text:
            text = "ERR " + text
        Exception.__init__(self, text)

    @property
    def code(self):
        return self.args[0].split(" ", 1)[0]

    def __str__(self):
        return self.args[0]

    def __repr__(self):
        return "redis.Error(%r)" % (self.args[0],)


class ScriptKilled(BaseException):
    """Raised in a script stopped by SCRIPT KILL / FUNCTION KILL or a load timeout."""
'''
