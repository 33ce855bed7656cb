/* Runs a libFuzzer target's corpus without libFuzzer: every file named on
 * the command line, or in a directory named there, through
 * LLVMFuzzerTestOneInput once.  make check runs it (also under ASan/UBSan
 * in CI), so inputs that once crashed stay fixed. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	int files = 0, errors = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			char **names = NULL;
			size_t n = 0, cap = 0;
			while (d && (e = readdir(d)) != NULL) {
				if (e->d_name[0] == '.')
					continue;
				if (n == cap) {
					cap = cap ? 2 * cap : 64;
					names = realloc(names, cap * sizeof *names);
					if (names == NULL)
						return 1;
				}
				names[n] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
				if (names[n] == NULL)
					return 1;
				sprintf(names[n], "%s/%s", argv[i], e->d_name);
				n++;
			}
			if (d)
				closedir(d);
			qsort(names, n, sizeof *names, cmp);
			for (size_t k = 0; k < n; k++) {
				errors += run_file(names[k]) != 0;
				files++;
				free(names[k]);
			}
			free(names);
		} else {
			errors += run_file(argv[i]) != 0;
			files++;
		}
	}
	printf("replayed %d inputs\n", files);
	return errors || files == 0 ? 1 : 0;
}
