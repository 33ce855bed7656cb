// The peer for the hprof benchmark: VisualVM's heap library (Debian's
// visualvm package, org-graalvm-visualvm-lib-jfluid-heap.jar) does what
// "heapsift report" does -- reads the dump, finds the dominators and the
// retained size of every class -- and prints the top classes by retained
// size.  Usage: java -cp JAR:DIR VisualVMPeer DUMP [TOP]
import java.io.File;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.graalvm.visualvm.lib.jfluid.heap.Heap;
import org.graalvm.visualvm.lib.jfluid.heap.HeapFactory;
import org.graalvm.visualvm.lib.jfluid.heap.HeapSummary;
import org.graalvm.visualvm.lib.jfluid.heap.JavaClass;

public class VisualVMPeer {
    public static void main(String[] args) throws Exception {
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Heap heap = HeapFactory.createHeap(new File(args[0]));
        HeapSummary s = heap.getSummary();
        System.out.printf("objects %d, bytes %d%n", s.getTotalLiveInstances(), s.getTotalLiveBytes());
        List<JavaClass> classes = new ArrayList<>(heap.getAllClasses());
        for (JavaClass c : classes)
            c.getRetainedSizeByClass();     // the whole dominator tree, once
        classes.sort(Comparator.comparingLong(JavaClass::getRetainedSizeByClass).reversed());
        for (JavaClass c : classes.subList(0, Math.min(top, classes.size())))
            System.out.printf("%12d %12d %14d  %s%n", c.getInstancesCount(), c.getAllInstancesSize(),
                              c.getRetainedSizeByClass(), c.getName());
    }
}
