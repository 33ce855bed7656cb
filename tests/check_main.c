/* The Check runner: one suite per module.  CK_RUN_SUITE=NAME runs one
 * suite, CK_RUN_CASE=NAME one test case (Check reads them). */
#include "config.h"

#include <stdlib.h>

#include "check_suites.h"

int
main(void)
{
	SRunner *sr = srunner_create(suite_util());
	int failed;

	srunner_add_suite(sr, suite_dom());
	srunner_add_suite(sr, suite_v8());
	srunner_add_suite(sr, suite_rules());
	srunner_add_suite(sr, suite_export());
	srunner_add_suite(sr, suite_tree());
	srunner_add_suite(sr, suite_sym());
	srunner_add_suite(sr, suite_trace());
	srunner_add_suite(sr, suite_pprof());
	srunner_add_suite(sr, suite_heap());
	srunner_add_suite(sr, suite_hprof());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
