// A heap of many small objects for the hprof benchmark: a tree of maps and
// lists holding records with strings and arrays, about 50 bytes of dump per
// object.  Usage: java BigHeap MILLIONS   (prints "ready PID" and waits)
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class BigHeap {
    static final List<Object> ROOT = new ArrayList<>();

    static final class Rec {
        final long id;
        final String name;
        final int[] data;
        Rec next;
        Rec(long id, Rec next) {
            this.id = id;
            this.name = "rec-" + (id % 100000);
            this.data = new int[(int) (id % 5)];
            this.next = next;
        }
    }

    public static void main(String[] args) throws Exception {
        long target = (long) (Double.parseDouble(args[0]) * 1_000_000);
        long made = 0;
        while (made < target) {
            Map<Long, Rec> m = new HashMap<>();
            Rec prev = null;
            for (int i = 0; i < 10_000; i++, made += 5) {   // Rec, String, byte[], int[], Node (+Long)
                prev = new Rec(made, i % 3 == 0 ? null : prev);
                m.put(made, prev);
            }
            ROOT.add(m);
        }
        System.out.println("ready " + ProcessHandle.current().pid());
        System.out.flush();
        Thread.sleep(3_600_000);
    }
}
