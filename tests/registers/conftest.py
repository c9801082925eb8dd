import pytest


@pytest.fixture
def places(f, city, district):
    """마포구's districts as the register names them: 서교동 (the `district` fixture), 합정동, 망원1동."""
    return {
        "서교동": district,
        "합정동": f.DistrictFactory(municipality=city, name="합정동"),
        "망원1동": f.DistrictFactory(municipality=city, name="망원1동"),
    }


@pytest.fixture
def importing(official, places, eager_celery, django_capture_on_commit_callbacks):
    """Preview a file as the official, confirm it, and return the finished import."""
    from backend.registers import services

    def run(content: bytes, name: str = "register.csv"):
        register_import = services.preview_register(by=official, file_name=name, content=content)
        with django_capture_on_commit_callbacks(execute=True):
            services.confirm_import(register_import=register_import, by=official)
        register_import.refresh_from_db()
        return register_import

    return run
