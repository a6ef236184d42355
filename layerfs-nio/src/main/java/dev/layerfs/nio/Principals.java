package dev.layerfs.nio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.HashMap;
import java.util.Map;

/**
 * Users and groups by number and name, from {@code /etc/passwd} and {@code /etc/group} as the layers' owners are
 * plain numbers; a number without a name is its own name, as {@code ls -n} would show it.
 */
final class Principals {
  static final UserPrincipalLookupService LOOKUP = new UserPrincipalLookupService() {
    @Override
    public UserPrincipal lookupPrincipalByName(String name) throws IOException {
      return new User(id(name, Table.USERS), name);
    }

    @Override
    public GroupPrincipal lookupPrincipalByGroupName(String name) throws IOException {
      return new Group(id(name, Table.GROUPS), name);
    }
  };

  private static final long CHECK_INTERVAL = 1_000_000_000L;

  private Principals() {}

  /** A user of this overlay view: compared by number, so a name and its number are one principal. */
  record User(int id, String name) implements UserPrincipal {
    @Override
    public String getName() {
      return name;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof User u && u.id == id;
    }

    @Override
    public int hashCode() {
      return id;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** A group of this overlay view, compared by number. */
  record Group(int id, String name) implements GroupPrincipal {
    @Override
    public String getName() {
      return name;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Group g && g.id == id;
    }

    @Override
    public int hashCode() {
      return id;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static User user(int uid) {
    return new User(uid, Table.USERS.name(uid));
  }

  static Group group(int gid) {
    return new Group(gid, Table.GROUPS.name(gid));
  }

  /** The uid of any principal: ours by number, another provider's by name. */
  static int uid(UserPrincipal p) throws IOException {
    if (p instanceof User u) {
      return u.id;
    }
    if (p instanceof GroupPrincipal) {
      throw new IllegalArgumentException(p + " is a group, not a user");
    }
    return id(p.getName(), Table.USERS);
  }

  static int gid(UserPrincipal p) throws IOException {
    if (p instanceof Group g) {
      return g.id;
    }
    return id(p.getName(), Table.GROUPS);
  }

  private static int id(String name, Table table) throws IOException {
    Integer id = table.id(name);
    if (id != null) {
      return id;
    }
    try {
      int n = Integer.parseInt(name);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Not a number either.
    }
    throw new UserPrincipalNotFoundException(name);
  }

  /** One of the name databases, read again when it changed on disk (checked at most once a second). */
  private enum Table {
    USERS("/etc/passwd"),
    GROUPS("/etc/group");

    private final Path file;
    private volatile Snapshot snapshot = new Snapshot(-1, Map.of(), Map.of());

    Table(String file) {
      this.file = Path.of(file);
    }

    private volatile long checkedAt = System.nanoTime() - CHECK_INTERVAL;

    private record Snapshot(long modified, Map<Integer, String> names, Map<String, Integer> ids) {}

    String name(int id) {
      String name = current().names.get(id);
      return name != null ? name : Integer.toString(id);
    }

    Integer id(String name) {
      return current().ids.get(name);
    }

    private Snapshot current() {
      Snapshot s = snapshot;
      long now = System.nanoTime();
      if (now - checkedAt < CHECK_INTERVAL) {
        return s;
      }
      checkedAt = now;
      long modified;
      try {
        modified = Files.getLastModifiedTime(file).toMillis();
      } catch (IOException e) {
        return s;
      }
      if (modified == s.modified) {
        return s;
      }
      Map<Integer, String> names = new HashMap<>();
      Map<String, Integer> ids = new HashMap<>();
      try {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          String[] fields = line.split(":", -1);
          if (fields.length < 3 || fields[0].isEmpty() || line.startsWith("#")) {
            continue;
          }
          try {
            int id = Integer.parseInt(fields[2]);
            names.putIfAbsent(id, fields[0]);
            ids.putIfAbsent(fields[0], id);
          } catch (NumberFormatException e) {
            // A malformed line names nobody.
          }
        }
      } catch (IOException e) {
        return s;
      }
      s = new Snapshot(modified, Map.copyOf(names), Map.copyOf(ids));
      snapshot = s;
      return s;
    }
  }
}
