"""What every command line here does on the way out: a closed pipe (``tool | head``) ends it
quietly, Ctrl-C ends it with the usual exit code, never with a traceback; and every command
answers ``--version``."""
import argparse
import os
import sys

from . import __version__


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, but an option given as ``--option=--`` is refused: Python 3.11's argparse
    takes that for an empty list and never calls the option's type, so the value would fail later,
    far from the command line (a traceback, or a server answering 500)."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        for action in self._actions:
            if action.option_strings and action.nargs is None and getattr(namespace, action.dest, None) == []:
                self.error(f"argument {'/'.join(action.option_strings)}: expected one value")
        return namespace, extras


class HelpFormatter(argparse.HelpFormatter):
    """``--help`` with each option's default, where it has one worth saying (not None, not off)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "%(default)" not in text \
                and action.option_strings and action.dest != "help":
            text += " (default: %(default)s)"
        return text.strip()


def shown_in_help(value):
    """``value`` as text for an option's help, which argparse %-formats: a % in a path doubled."""
    return str(value).replace("%", "%%")


def seed(text):
    """An argparse type for ``--seed``: a whole number 0 or more, as numpy's generators take it."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a seed is a whole number, not {text[:20]!r}") from None  # 5,000 digits
    if value < 0:
        raise argparse.ArgumentTypeError(f"a seed is 0 or more, not {value}")
    return value


MIN_TEMPERATURE, MAX_TEMPERATURE = 0.05, 20  # beyond, a reading is all or nothing, or a tenth each


def temperature(text):
    """An argparse type for ``--temperature``, at which a scan's probabilities are sharpened
    (digitpad.reading.sharpened): a number from MIN_TEMPERATURE to MAX_TEMPERATURE."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a temperature is a number, not {text[:20]!r}") from None
    if not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:  # also false for nan
        raise argparse.ArgumentTypeError(f"a temperature is between {MIN_TEMPERATURE} and {MAX_TEMPERATURE}, "
                                         f"not {text[:20]!r}")
    return value


def parser(doc):
    """An argparse parser for a command: its description the first line of ``doc``, defaults shown,
    and ``--version``."""
    p = ArgumentParser(description=doc.splitlines()[0], formatter_class=HelpFormatter)
    add_version(p)
    return p


def add_version(parser):
    """``--version`` on an argparse parser: the program's name and digitpad's version."""
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")


def run(main):
    """``sys.exit(main())``, with a broken pipe and Ctrl-C ended quietly."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again while flushing stdout at exit; point it at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
