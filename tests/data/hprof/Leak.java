// A small Java program with a known leak, for heapsift's hprof fixtures:
// a static map (Leak.CACHE) holds LEAKED LeakyItem objects, each with its own
// payload; everything else is ordinary JDK start-up state plus a few objects
// of every kind the format has (primitive arrays of each type, object arrays,
// strings in Latin-1 and UTF-16, an inner class, a thread with locals).
import java.util.HashMap;
import java.util.Map;

public class Leak {
    static final int LEAKED = 1000;
    static Map<Integer, LeakyItem> CACHE = new HashMap<>();
    static Object[] kinds;

    // Made only of types the rest of the heap hardly uses, so that the
    // histograms before and after the drop tell exactly what the map held.
    static class LeakyItem {
        final int id;
        final long stamp;
        final long[] payload;
        LeakyItem(int id) {
            this.id = id;
            this.stamp = 1000L * id;
            this.payload = new long[10 + id % 7];
        }
    }

    class Inner { int x = 42; }

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < LEAKED; i++)
            CACHE.put(i, new LeakyItem(i));
        kinds = new Object[] {
            new boolean[3], new char[] {'h', 'i'}, new float[5], new double[7],
            new byte[11], new short[13], new int[17], new long[19],
            new String[] {"latin1 text", "UTF-16 text: \u00e9\u4e2d\ud83d\ude00"},
            new Leak().new Inner(), new int[0][0],
        };
        Thread worker = new Thread(() -> {
            Object local = new StringBuilder("a local of the worker thread");
            synchronized (Leak.class) {
                try { Leak.class.wait(); } catch (InterruptedException e) { }
            }
            System.out.println(local);
        }, "heapsift-worker");
        worker.setDaemon(true);
        worker.start();
        System.out.println("ready " + ProcessHandle.current().pid());
        System.out.flush();
        // 'd' on standard input lets go of the map, so that a histogram
        // taken then tells what the map alone held (read byte by byte: a
        // line read would leave a String alive)
        for (int c; (c = System.in.read()) != -1; ) {
            if (c == 'n') {   // the same steps without the drop
                System.gc();
                System.out.println("noted");
                System.out.flush();
            }
            if (c == 'd') {
                CACHE = null;
                System.gc();
                System.out.println("dropped");
                System.out.flush();
            }
        }
    }
}
