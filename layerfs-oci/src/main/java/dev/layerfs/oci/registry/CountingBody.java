package dev.layerfs.oci.registry;

import dev.layerfs.oci.image.Digest;
import java.io.FileNotFoundException;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.Flow;

/**
 * A request body streamed from a file that tells a listener how many of its bytes went out, so that a blob sent in
 * one request still shows its progress; each time the body is sent again (a retry) the count starts over.
 */
final class CountingBody implements BodyPublisher {
  private final BodyPublisher file;
  private final Digest blob;
  private final ProgressListener listener;

  private CountingBody(BodyPublisher file, Digest blob, ProgressListener listener) {
    this.file = file;
    this.blob = blob;
    this.listener = listener;
  }

  static BodyPublisher of(Path content, Digest blob, ProgressListener listener) throws FileNotFoundException {
    return new CountingBody(BodyPublishers.ofFile(content), blob, listener);
  }

  @Override
  public long contentLength() {
    return file.contentLength();
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    long total = file.contentLength();
    file.subscribe(new Flow.Subscriber<>() {
      private long sent;

      @Override
      public void onSubscribe(Flow.Subscription subscription) {
        subscriber.onSubscribe(subscription);
      }

      @Override
      public void onNext(ByteBuffer item) {
        sent += item.remaining();
        subscriber.onNext(item);
        listener.progress(blob, sent, total);
      }

      @Override
      public void onError(Throwable throwable) {
        subscriber.onError(throwable);
      }

      @Override
      public void onComplete() {
        subscriber.onComplete();
      }
    });
  }
}
