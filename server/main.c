/*
 * main.c — dispatches to a subcommand (server/cli/), which parses its
 * options and starts and stops things.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: klankbord COMMAND [options]\n\n"
	    "commands:\n"
	    "  serve            run the web server\n"
	    "  surveys check    validate the survey definitions\n"
	    "  backup FILE      write an online, consistent copy of the "
	    "database\n"
	    "  user add NAME --role admin|viewer|sender   (password from "
	    "stdin)\n"
	    "  user list | user remove NAME | user passwd NAME\n"
	    "  apikey add NAME --role sender|viewer       (prints the key "
	    "once)\n"
	    "  apikey list | apikey revoke NAME\n"
	    "  qr --survey ID --location LOC [--format svg|png] [-o FILE]\n"
	    "  stats --survey ID [--by location] [--interval month]\n"
	    "  invite --survey ID --location LOC --phone NUMBER [--lang nl]\n"
	    "  import FILE      earlier responses, JSON lines with their "
	    "\"week\"\n"
	    "  release          move the intake into the released responses "
	    "now\n"
	    "  version          print the version\n\n"
	    "Run 'klankbord COMMAND --help' for the options of a command.\n");
}

int
main(int argc, char **argv)
{
	/* Weeks and quiet hours are those of the teams, in the Netherlands. */
	if (getenv("KLANKBORD_TZ") != NULL)
		setenv("TZ", getenv("KLANKBORD_TZ"), 1);
	else
		setenv("TZ", "Europe/Amsterdam", 1);
	tzset();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 2, argv + 2);
	if (strcmp(argv[1], "surveys") == 0)
		return cmd_surveys(argc - 2, argv + 2);
	if (strcmp(argv[1], "backup") == 0)
		return cmd_backup(argc - 2, argv + 2);
	if (strcmp(argv[1], "invite") == 0)
		return cmd_invite(argc - 2, argv + 2);
	if (strcmp(argv[1], "stats") == 0)
		return cmd_stats(argc - 2, argv + 2);
	if (strcmp(argv[1], "qr") == 0)
		return cmd_qr(argc - 2, argv + 2);
	if (strcmp(argv[1], "release") == 0)
		return cmd_release(argc - 2, argv + 2);
	if (strcmp(argv[1], "import") == 0)
		return cmd_import(argc - 2, argv + 2);
	if (strcmp(argv[1], "user") == 0)
		return cmd_user(argc - 2, argv + 2);
	if (strcmp(argv[1], "apikey") == 0)
		return cmd_apikey(argc - 2, argv + 2);
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("klankbord %s\n", KB_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "klankbord: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
