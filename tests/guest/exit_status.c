/* The sandbox must report the guest's exit status unchanged. */
#include "guest.h"

int main(void)
{
	printf("exiting with 42\n");
	return 42;
}
