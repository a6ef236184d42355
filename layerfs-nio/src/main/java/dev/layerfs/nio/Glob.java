package dev.layerfs.nio;

import java.util.regex.PatternSyntaxException;

/**
 * Translates the glob syntax of {@link java.nio.file.FileSystem#getPathMatcher} into a regular expression, with
 * the JDK's Unix rules: {@code *} and {@code ?} stay within a name, {@code **} crosses names, {@code [...]} is a
 * class ({@code [!...]} negated), {@code {a,b}} a choice, and {@code \} escapes.
 */
final class Glob {
  private static final String REGEX_META = ".^$+{[]|()";
  private static final String GLOB_META = "\\*?[{";

  private Glob() {}

  static String toRegex(String glob) {
    StringBuilder regex = new StringBuilder("^");
    boolean inGroup = false;
    int i = 0;
    while (i < glob.length()) {
      char c = glob.charAt(i++);
      switch (c) {
        case '\\' -> {
          if (i == glob.length()) {
            throw new PatternSyntaxException("no character to escape", glob, i - 1);
          }
          char next = glob.charAt(i++);
          if (GLOB_META.indexOf(next) >= 0 || REGEX_META.indexOf(next) >= 0 || next == '}' || next == ',') {
            regex.append('\\');
          }
          regex.append(next);
        }
        case '/' -> regex.append(c);
        case '[' -> i = charClass(glob, i, regex);
        case '{' -> {
          if (inGroup) {
            throw new PatternSyntaxException("cannot nest groups", glob, i - 1);
          }
          regex.append("(?:(?:");
          inGroup = true;
        }
        case '}' -> {
          if (inGroup) {
            regex.append("))");
            inGroup = false;
          } else {
            regex.append('}');
          }
        }
        case ',' -> regex.append(inGroup ? ")|(?:" : ",");
        case '*' -> {
          if (i < glob.length() && glob.charAt(i) == '*') {
            regex.append(".*");
            i++;
          } else {
            regex.append("[^/]*");
          }
        }
        case '?' -> regex.append("[^/]");
        default -> {
          if (REGEX_META.indexOf(c) >= 0) {
            regex.append('\\');
          }
          regex.append(c);
        }
      }
    }
    if (inGroup) {
      throw new PatternSyntaxException("missing '}'", glob, i - 1);
    }
    return regex.append('$').toString();
  }

  private static int charClass(String glob, int i, StringBuilder regex) {
    regex.append("[[^/]&&[");
    if (i < glob.length() && glob.charAt(i) == '^') {
      regex.append("\\^");
      i++;
    } else {
      if (i < glob.length() && glob.charAt(i) == '!') {
        regex.append('^');
        i++;
      }
      if (i < glob.length() && glob.charAt(i) == '-') {
        regex.append('-');
        i++;
      }
    }
    boolean hasRangeStart = false;
    char last = 0;
    while (i < glob.length()) {
      char c = glob.charAt(i++);
      if (c == ']') {
        regex.append("]]");
        return i;
      }
      if (c == '/') {
        throw new PatternSyntaxException("explicit '/' in a class", glob, i - 1);
      }
      if (c == '\\' || c == '[' || (c == '&' && i < glob.length() && glob.charAt(i) == '&')) {
        regex.append('\\');
      }
      regex.append(c);
      if (c == '-') {
        if (!hasRangeStart) {
          throw new PatternSyntaxException("invalid range", glob, i - 1);
        }
        if (i >= glob.length() || glob.charAt(i) == ']') {
          continue;
        }
        char end = glob.charAt(i);
        if (end < last) {
          throw new PatternSyntaxException("invalid range", glob, i - 3);
        }
        regex.append(end);
        i++;
        hasRangeStart = false;
      } else {
        hasRangeStart = true;
        last = c;
      }
    }
    throw new PatternSyntaxException("missing ']'", glob, i - 1);
  }
}
