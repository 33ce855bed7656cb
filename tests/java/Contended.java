// One live instance of every class JDK 17 lays out with @Contended fields
// (java.base; src/load/hprof.c's contended_classes): their sizes, padded
// by HotSpot, must be jcmd GC.class_histogram's in every object layout.
// Run with --add-opens java.base/java.util.concurrent=ALL-UNNAMED and
// --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED (the cells
// are made directly: the JDK makes them only under contention).  Prints
// "ready" and waits until standard input closes.
import java.lang.reflect.Constructor;
import java.util.concurrent.*;

public class Contended {
    static Object[] keep;

    static Object make(String cls, Class<?>[] types, Object... args) throws Exception {
        Constructor<?> c = Class.forName(cls).getDeclaredConstructor(types);
        c.setAccessible(true);
        return c.newInstance(args);
    }

    // a Thread subclass with fields of its own: laid out after Thread's pads
    static class Worker extends Thread {
        long a;
        int b;
        Object c;
    }

    public static void main(String[] args) throws Exception {
        ForkJoinPool pool = new ForkJoinPool(1);    // and its WorkQueues
        pool.submit(() -> 1).get();
        SubmissionPublisher<String> pub = new SubmissionPublisher<>();
        pub.subscribe(new Flow.Subscriber<String>() {  // a BufferedSubscription
            public void onSubscribe(Flow.Subscription s) { }
            public void onNext(String s) { }
            public void onError(Throwable t) { }
            public void onComplete() { }
        });
        keep = new Object[] {
            pool, pub, new Worker(),
            make("java.util.concurrent.atomic.Striped64$Cell", new Class<?>[] { long.class }, 1L),
            make("java.util.concurrent.ConcurrentHashMap$CounterCell", new Class<?>[] { long.class }, 2L),
            make("java.util.concurrent.Exchanger$Node", new Class<?>[0]),
        };
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() != -1) { }
    }
}
