package dev.layerfs.nio.junit;

import dev.layerfs.core.OverlayOptions;
import dev.layerfs.nio.OverlayFs;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Opens the views {@link OverlayDir} asks for, one per annotated field or parameter and test method, and closes
 * them after the method's {@code @AfterEach} methods ran.
 */
public final class OverlayDirExtension implements BeforeEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(OverlayDirExtension.class);

  /** Made by JUnit through {@link OverlayDir}'s {@code @ExtendWith}. */
  public OverlayDirExtension() {}

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
      for (Field field : AnnotationSupport.findAnnotatedFields(instance.getClass(), OverlayDir.class)) {
        if (Modifier.isStatic(field.getModifiers())) {
          throw new ExtensionConfigurationException("@OverlayDir field " + field.getName()
              + " must not be static: each test method gets its own view");
        }
        checkType(field.getType(), "field " + field.getName());
        Object view = open(context, field.getAnnotation(OverlayDir.class), field.getType());
        try {
          field.setAccessible(true);
          field.set(instance, view);
        } catch (IllegalAccessException e) {
          throw new ExtensionConfigurationException("cannot set @OverlayDir field " + field.getName(), e);
        }
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.isAnnotated(OverlayDir.class);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    checkType(type, "parameter " + parameter.getParameter().getName());
    if (context.getTestMethod().isEmpty()) {
      throw new ParameterResolutionException("@OverlayDir parameters belong to test and lifecycle methods of "
          + "one test; use a field or a method parameter");
    }
    try {
      return open(context, parameter.findAnnotation(OverlayDir.class).orElseThrow(), type);
    } catch (IOException e) {
      throw new ParameterResolutionException("cannot open the @OverlayDir view: " + e.getMessage(), e);
    }
  }

  private static void checkType(Class<?> type, String what) {
    if (type != Path.class && type != FileSystem.class) {
      throw new ExtensionConfigurationException("@OverlayDir " + what + " must be a Path or a FileSystem, not "
          + type.getName());
    }
  }

  private static Object open(ExtensionContext context, OverlayDir spec, Class<?> type) throws IOException {
    List<Path> lowers = new ArrayList<>();
    for (String layer : spec.value()) {
      lowers.add(fixture(context, layer));
    }
    if (lowers.isEmpty()) {
      throw new ExtensionConfigurationException("@OverlayDir needs at least one fixture directory");
    }
    String label = context.getRequiredTestMethod().getName().replaceAll("[^A-Za-z0-9_.-]", "_");
    Path temp = Files.createTempDirectory("layerfs-" + label + "-");
    Path upper = Files.createDirectory(temp.resolve("upper"));
    Path work = Files.createDirectory(temp.resolve("work"));
    FileSystem fs;
    try {
      OverlayFs.Builder builder = OverlayFs.builder().lower(lowers.toArray(Path[]::new)).upper(upper).work(work);
      for (Map.Entry<String, String> option : OverlayOptions.split(spec.options()).entrySet()) {
        builder.option(option.getKey(), option.getValue());
      }
      fs = builder.build();
    } catch (IOException | RuntimeException e) {
      deleteTree(temp);
      throw e;
    }
    context.getStore(NAMESPACE).put(new Object(), new View(context, fs, temp, lowers, spec.cleanup()));
    return type == Path.class ? fs.getPath("/") : fs;
  }

  private static Path fixture(ExtensionContext context, String layer) {
    Path dir;
    if (layer.startsWith("classpath:")) {
      String name = layer.substring("classpath:".length());
      URL url = context.getRequiredTestClass().getClassLoader().getResource(name);
      if (url == null || !url.getProtocol().equals("file")) {
        throw new ExtensionConfigurationException("@OverlayDir fixture " + layer + " is not a directory on the "
            + "class path" + (url == null ? "" : " (it is in " + url + ")"));
      }
      try {
        dir = Path.of(url.toURI());
      } catch (URISyntaxException e) {
        throw new ExtensionConfigurationException("@OverlayDir fixture " + layer + ": bad URL " + url, e);
      }
    } else {
      dir = Path.of(layer).toAbsolutePath();
    }
    if (!Files.isDirectory(dir)) {
      throw new ExtensionConfigurationException("@OverlayDir fixture " + layer + " is not a directory (" + dir
          + ")");
    }
    return dir;
  }

  /** One open view and its temporary layers, closed with the test method's context. */
  private record View(ExtensionContext context, FileSystem fs, Path temp, List<Path> lowers,
      OverlayDir.Cleanup cleanup) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      fs.close();
      boolean failed = context.getExecutionException().isPresent();
      boolean delete = cleanup == OverlayDir.Cleanup.ALWAYS || (cleanup == OverlayDir.Cleanup.ON_SUCCESS && !failed);
      if (delete) {
        deleteTree(temp);
        return;
      }
      String where = "upperdir=" + temp.resolve("upper") + " workdir=" + temp.resolve("work") + " lowerdir="
          + lowers;
      System.err.println("[layerfs] " + context.getDisplayName() + (failed ? " failed" : " finished")
          + "; its overlay is kept for inspection: " + where);
      context.publishReportEntry("layerfs.kept", temp.toString());
    }
  }

  private static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
          dir.toFile().setReadable(true, true);
          dir.toFile().setExecutable(true, true);
          dir.toFile().setWritable(true, true);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
        if (failure != null) {
          throw failure;
        }
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
