package dev.layerfs.nio.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test a fresh copy-on-write view of a fixture directory: the fixture is the lower layer, never written
 * and never copied, and each test method gets its own upper and work directories in a temporary directory, so it
 * may change anything without affecting the fixture or the other tests.
 *
 * <p>Annotate a non-static field or a parameter of type {@link java.nio.file.Path} (the view's root) or
 * {@link java.nio.file.FileSystem} (the view itself):
 *
 * <pre>{@code
 * @Test
 * void upgradesTheDatabase(@OverlayDir("src/test/fixtures/big-db") Path db) throws IOException {
 *   Migrations.run(db.resolve("data"));   // writes land in a temporary upper layer
 * }
 * }</pre>
 *
 * <p>After the test the view is closed and its temporary directory deleted; when the test failed, it is kept for
 * inspection and its location printed (and published as a report entry {@code layerfs.kept}).
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(OverlayDirExtension.class)
public @interface OverlayDir {
  /**
   * The fixture's layers, the top one first. A relative path is taken from the working directory (a module's
   * directory under Maven); {@code classpath:NAME} names a directory among the test resources.
   */
  String[] value();

  /** Other mount options, in the kernel's syntax, such as {@code "redirect_dir=off"}. */
  String options() default "";

  /** When the upper and work directories are deleted. */
  Cleanup cleanup() default Cleanup.ON_SUCCESS;

  /** When the temporary upper and work directories of a view are deleted. */
  enum Cleanup {
    /** After every test. */
    ALWAYS,
    /** After a test that passed; kept, and their location printed, after one that failed. */
    ON_SUCCESS,
    /** Never: their location is printed after every test. */
    NEVER
  }
}
